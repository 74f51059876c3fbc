-- Console sessions and links moved to the control plane (DB_CONTROL, drizzle-control/): an operator session
-- belongs to no shard. Sessions and links open at the upgrade end; their users sign in again.
DROP TABLE `console_links`;--> statement-breakpoint
DROP TABLE `console_sessions`;