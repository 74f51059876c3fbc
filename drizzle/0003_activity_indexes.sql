CREATE INDEX `activity_log_org_action_at` ON `activity_log` (`org_id`,`action`,`at`,`id`);--> statement-breakpoint
CREATE INDEX `activity_log_org_target_at` ON `activity_log` (`org_id`,`target_id`,`at`,`id`);--> statement-breakpoint
CREATE INDEX `activity_log_at` ON `activity_log` (`at`);