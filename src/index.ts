import { app } from "./app";
import { invocationDatabase } from "./db/client";
import { optimizeQueryPlanner } from "./db/optimize";
import { resendPendingActivity } from "./domain/activity-resend";
import { purgeExpiredConsoleSessions } from "./domain/console-sessions";
import { purgeExpired } from "./domain/retention";
import type { Bindings } from "./env";
import { consumeActivity, consumeDeadLetters } from "./pipeline/consume";

/** The daily schedule in wrangler.toml; the other one only re-sends pending activity. */
const DAILY_CRON = "17 3 * * *";
const DEAD_LETTER_QUEUE = "scim-activity-dlq";

export default {
  fetch: app.fetch,
  queue: async (batch, env) =>
    batch.queue === DEAD_LETTER_QUEUE ? consumeDeadLetters(batch) : consumeActivity(batch, invocationDatabase(env.DB)),
  // Every few minutes: pending activity goes out again. Daily: retention, ended console sessions, then
  // fresh planner statistics.
  scheduled: async (controller, env) => {
    const db = invocationDatabase(env.DB);
    const at = new Date(controller.scheduledTime);
    await resendPendingActivity(db, at);
    if (controller.cron !== DAILY_CRON) return;
    await purgeExpired(db, env, at);
    await purgeExpiredConsoleSessions(db, at);
    await optimizeQueryPlanner(db);
  },
} satisfies ExportedHandler<Bindings, unknown>;
