import { consumeActivity, consumeDeadLetters } from "./activity/consume";
import { resendPendingActivity } from "./activity/resend";
import { purgeExpired } from "./activity/retention";
import { app } from "./app";
import { database } from "./db/client";
import { optimizeQueryPlanner } from "./db/optimize";
import { purgeExpiredConsoleSessions } from "./domain/console-sessions";
import type { Bindings } from "./env";

/** The daily schedule in wrangler.toml; the other one only re-sends pending activity. */
const DAILY_CRON = "17 3 * * *";
const DEAD_LETTER_QUEUE = "scim-activity-dlq";

export default {
  fetch: app.fetch,
  queue: async (batch, env) =>
    batch.queue === DEAD_LETTER_QUEUE ? consumeDeadLetters(batch) : consumeActivity(batch, env),
  // Every few minutes: pending activity goes out again. Daily: retention, ended console sessions, then
  // fresh planner statistics.
  scheduled: async (controller, env) => {
    await resendPendingActivity(env, new Date(controller.scheduledTime));
    if (controller.cron !== DAILY_CRON) return;
    await purgeExpired(env, new Date(controller.scheduledTime));
    await purgeExpiredConsoleSessions(database(env.DB), new Date(controller.scheduledTime));
    await optimizeQueryPlanner(database(env.DB));
  },
} satisfies ExportedHandler<Bindings, unknown>;
