import type { ActivityEntry } from "./actions";

/** What travels on the activity queue: one message per entry, tagged with its kind. */
export type PipelineMessage = { kind: "activity"; entry: ActivityEntry };
