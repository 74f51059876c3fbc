import { waitUntil } from "cloudflare:workers";
import type { SQL } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { committedEntries, stageEntryStatement } from "./activity-queries";
import type { Database } from "./client";
import { now } from "./clock";
import type { ActivityInput } from "./pipeline-messages";
import { sendEntries } from "./pipeline-send";

/**
 * A change and its activity entries as one atomic D1 batch: every entry is staged in the outbox by
 * the same batch as the write it describes, so the two commit together or not at all. Once the
 * batch has committed, the staged entries go out as structured log lines (for `wrangler tail`) and
 * onto the activity queue, whose consumer writes them to activity_log; the response does not wait
 * for the queue. Each entry gets its id here, at the source, so no redelivery can write it twice.
 * Callers pass no secrets; `changes` holds attribute values only.
 */
export class ChangeBatch {
  private readonly statements: BatchItem<"sqlite">[] = [];
  private readonly staged = new Set<number>();

  constructor(private readonly db: Database) {}

  /** Adds writes (and reads) to the batch; `commit()` returns their results in this order. */
  write(...statements: BatchItem<"sqlite">[]): this {
    this.statements.push(...statements);
    return this;
  }

  /**
   * Stages an entry at this point of the batch. `when` makes it conditional on what the batch did so
   * far (a write at a version may touch nothing); `members` lets the database name the members a
   * membership change really touches (see `stageEntryStatement`).
   */
  stage(input: ActivityInput, options?: { when?: SQL; members?: SQL }): this {
    this.staged.add(this.statements.length);
    this.statements.push(stageEntryStatement(this.db, { id: crypto.randomUUID(), at: now(), ...input }, options));
    return this;
  }

  /** Runs the batch, publishes the entries it committed, and returns the results of the writes. */
  async commit(): Promise<unknown[]> {
    const [first, ...rest] = this.statements;
    const results: unknown[] = await this.db.batch([first, ...rest]);
    const entries = committedEntries(results.filter((_, i) => this.staged.has(i)));
    if (entries.length > 0) {
      for (const entry of entries) console.log(JSON.stringify({ event: "activity", ...entry }));
      waitUntil(sendEntries(this.db, entries));
    }
    return results.filter((_, i) => !this.staged.has(i));
  }
}
