import { drizzle } from "drizzle-orm/d1";
import { DrizzleQueryError } from "drizzle-orm/errors";
import { CountedD1Database } from "./counted-d1";
import { homeShard, type ShardBinding, type StorageBindings, shardBinding, shardCount } from "./shards";

/** Drizzle over a D1 handle. Queries are built with the query builder only, so no relational schema is loaded. */
export function database(d1: D1Database) {
  return drizzle(d1);
}

export type Database = ReturnType<typeof database>;

/**
 * A database of one invocation: every statement it sends is counted against D1's limit per
 * invocation. Given a handle that counts already (a /Bulk operation's, dispatched within its
 * request on the request's budget), what is sent counts on both, so the tighter limit holds.
 */
export function invocationDatabase(d1: D1Database): Database {
  return database(new CountedD1Database(d1));
}

/**
 * The storage of one invocation, chosen here and nowhere else: `db`, the shard of the organization
 * it concerns (shard 0 when it names none), and on demand the control plane and every shard, all
 * counted on `db`'s statement count.
 */
export class InvocationStorage {
  readonly db: Database;
  private readonly counted: CountedD1Database;
  private readonly others = new Map<string, Database>();

  constructor(
    private readonly env: StorageBindings,
    /** The shard `db` reads and writes. */
    readonly shard: number,
  ) {
    this.counted = new CountedD1Database(this.d1(shardBinding(shard)));
    this.db = database(this.counted);
    this.others.set(shardBinding(shard), this.db);
  }

  /** The control plane (DB_CONTROL): console sessions and links, placements of moved organizations. */
  get control(): Database {
    return this.other("DB_CONTROL");
  }

  /** Every shard, in order. */
  get shards(): Database[] {
    return Array.from({ length: shardCount(this.env) }, (_, shard) => this.other(shardBinding(shard)));
  }

  /**
   * The database of the shard that holds `orgId`, counted with the rest: how the queue consumer
   * and the crons reach an organization named by a message rather than by a request's path.
   */
  async organizationDatabase(orgId: string): Promise<Database> {
    const shard = homeShard(orgId);
    return shard < shardCount(this.env) ? this.other(shardBinding(shard)) : this.other(shardBinding(0));
  }

  /**
   * The bindings with `d1` in place of this storage's shard: how a /Bulk operation, dispatched as a
   * request of its own, sends its statements through the /Bulk request's counted handle.
   */
  bindingsWithShard<T extends StorageBindings>(env: T, d1: D1Database): T {
    return { ...env, [shardBinding(this.shard)]: d1 };
  }

  private other(binding: ShardBinding | "DB_CONTROL"): Database {
    let db = this.others.get(binding);
    if (!db) {
      db = database(this.counted.alongside(this.d1(binding)));
      this.others.set(binding, db);
    }
    return db;
  }

  private d1(binding: ShardBinding | "DB_CONTROL"): D1Database {
    const d1 = this.env[binding];
    if (!d1) throw new Error(`No D1 binding ${binding} (wrangler.toml).`);
    return d1;
  }
}

/**
 * The storage of an invocation about `orgId` (its shard is the one the id names), or about no
 * organization. An id naming a shard that is not bound goes to shard 0, which does not hold it
 * either: the caller finds no such organization, as for any unknown id.
 */
export function invocationStorage(env: StorageBindings, orgId?: string): InvocationStorage {
  const shard = orgId === undefined ? 0 : homeShard(orgId);
  return new InvocationStorage(env, shard < shardCount(env) ? shard : 0);
}

/** The statement count of an invocation's database (see invocationDatabase). */
export function statementCount(db: Database): CountedD1Database {
  if (!(db.$client instanceof CountedD1Database)) throw new Error("This database does not count its statements.");
  return db.$client;
}

/**
 * A share of an invocation's database that keeps `reserve` statements back for its caller: what is
 * sent through it counts on the invocation's count as well, and it refuses what would eat into the
 * reserve.
 */
export function withReserve(db: Database, reserve: number): Database {
  const count = statementCount(db);
  return database(new CountedD1Database(count, count.limit - count.statements - reserve));
}

/** D1 reports constraint violations only through its error message. */
export function constraintFailed(error: unknown, constraint: string): boolean {
  const message = d1Message(error);
  return message.includes("constraint failed") && message.includes(constraint);
}

/** A trigger's RAISE(ABORT, reason): D1 reports the reason as the error message. */
export function refusedByTrigger(error: unknown, reason: string): boolean {
  return d1Message(error).includes(reason);
}

/** D1's transient failures, by the words of its error list: worth a retry by the client after a pause. */
const OVERLOADED = /overloaded/i;
const RETRYABLE = /Network connection lost|storage caused object to be reset|reset because its code was updated/i;

export function transientFailure(error: unknown): "overloaded" | "unavailable" | undefined {
  const message = d1Message(error);
  if (OVERLOADED.test(message)) return "overloaded";
  return RETRYABLE.test(message) ? "unavailable" : undefined;
}

/**
 * D1's own words about a failure: the messages in its cause chain, leaving out drizzle's wrapper,
 * whose message lists the query's bound parameters. Those are request data: a title reading
 * "licenses_within_limit" must not turn a uniqueness conflict into the licence limit.
 */
function d1Message(error: unknown): string {
  return causeChain(error)
    .filter((e) => !(e instanceof DrizzleQueryError))
    .map((e) => e.message)
    .join(" ");
}

/**
 * An unexpected failure as a log line may show it: each error's name and message, and drizzle's
 * query as SQL text with its placeholders, never the bound parameters (emails, documents).
 */
export function loggableFailure(error: unknown): { error: string; query?: string } {
  const chain = causeChain(error);
  const query = chain.find((e) => e instanceof DrizzleQueryError)?.query;
  const errors = chain.map((e) => (e instanceof DrizzleQueryError ? "DrizzleQueryError" : `${e.name}: ${e.message}`));
  return { error: errors.join(" <- ") || `a thrown ${typeof error}`, ...(query ? { query } : {}) };
}

function causeChain(error: unknown): Error[] {
  const chain: Error[] = [];
  for (let e = error; e instanceof Error && chain.length < 10; e = e.cause) chain.push(e);
  return chain;
}
