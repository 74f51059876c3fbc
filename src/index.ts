import { consumeActivity } from "./activity/consume";
import { purgeExpiredActivity } from "./activity/retention";
import { app } from "./app";
import { database } from "./db/client";
import { optimizeQueryPlanner } from "./db/optimize";
import type { Bindings } from "./env";

export default {
  fetch: app.fetch,
  queue: (batch, env) => consumeActivity(batch, env),
  // Daily upkeep: activity retention, then fresh planner statistics.
  scheduled: async (controller, env) => {
    await purgeExpiredActivity(env, new Date(controller.scheduledTime));
    await optimizeQueryPlanner(database(env.DB));
  },
} satisfies ExportedHandler<Bindings, unknown>;
