import { app } from "./app";
import { invocationStorage } from "./db/client";
import { optimizeQueryPlanner } from "./db/optimize";
import { resendPendingActivity } from "./domain/activity-resend";
import { purgeExpiredConsoleSessions } from "./domain/console-sessions";
import { purgeExpired } from "./domain/retention";
import { applyPendingReleases } from "./domain/safeguard";
import type { Bindings } from "./env";
import { consumeActivity, consumeDeadLetters } from "./pipeline/consume";

/** The daily schedule in wrangler.toml; the other one only re-sends pending activity. */
const DAILY_CRON = "17 3 * * *";
const DEAD_LETTER_QUEUE = "scim-activity-dlq";

export default {
  fetch: app.fetch,
  queue: async (batch, env) =>
    batch.queue === DEAD_LETTER_QUEUE ? consumeDeadLetters(batch) : consumeActivity(batch, invocationStorage(env)),
  // On every shard: every few minutes, pending activity goes out again and released requests a
  // release could not apply in its own request are applied; daily, retention and fresh planner
  // statistics. Daily on the control plane: ended console sessions.
  scheduled: async (controller, env) => {
    const storage = invocationStorage(env);
    const at = new Date(controller.scheduledTime);
    const daily = controller.cron === DAILY_CRON;
    for (const db of storage.shards) {
      await resendPendingActivity(db, at);
      await applyPendingReleases(db);
      if (!daily) continue;
      await purgeExpired(db, env, at);
      await optimizeQueryPlanner(db);
    }
    if (daily) await purgeExpiredConsoleSessions(storage.control, at);
  },
} satisfies ExportedHandler<Bindings, unknown>;
