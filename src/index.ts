import { consumeActivity } from "./activity/consume";
import { purgeExpiredActivity } from "./activity/retention";
import { app } from "./app";
import type { Bindings } from "./env";

export default {
  fetch: app.fetch,
  queue: (batch, env) => consumeActivity(batch, env),
  scheduled: async (controller, env) => {
    await purgeExpiredActivity(env, new Date(controller.scheduledTime));
  },
} satisfies ExportedHandler<Bindings, unknown>;
