CREATE TABLE `conflicts` (
	`id` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`kind` text NOT NULL,
	`status` text NOT NULL,
	`target_type` text NOT NULL,
	`subject` text NOT NULL,
	`target_id` text,
	`target_name` text,
	`provider` text,
	`document` text,
	`active` integer,
	`licenses` integer,
	`licenses_used` integer,
	`detail` text NOT NULL,
	`occurrences` integer DEFAULT 1 NOT NULL,
	`created_at` text NOT NULL,
	`last_seen_at` text NOT NULL,
	`resolved_at` text,
	FOREIGN KEY (`org_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `conflicts_open_subject` ON `conflicts` (`org_id`,`kind`,`subject`) WHERE "conflicts"."status" = 'open';--> statement-breakpoint
CREATE INDEX `conflicts_org_status_seen` ON `conflicts` (`org_id`,`status`,`last_seen_at`,`id`);--> statement-breakpoint
CREATE TABLE `retired_scim_tokens` (
	`org_id` text NOT NULL,
	`token_hash` text NOT NULL,
	`retired_at` text NOT NULL,
	PRIMARY KEY(`org_id`, `token_hash`),
	FOREIGN KEY (`org_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `scim_health` (
	`org_id` text PRIMARY KEY NOT NULL,
	`last_request_at` text,
	`last_success_at` text,
	`last_error_at` text,
	`token_last_used_at` text,
	`stale_token_attempts` integer DEFAULT 0 NOT NULL,
	`stale_since` text
);
--> statement-breakpoint
CREATE TABLE `scim_request_hours` (
	`org_id` text NOT NULL,
	`hour` text NOT NULL,
	`requests` integer NOT NULL,
	`errors` integer NOT NULL,
	PRIMARY KEY(`org_id`, `hour`)
);
--> statement-breakpoint
CREATE INDEX `scim_request_hours_hour` ON `scim_request_hours` (`hour`);--> statement-breakpoint
CREATE TABLE `scim_requests` (
	`id` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`at` text NOT NULL,
	`method` text NOT NULL,
	`resource_type` text,
	`resource_id` text,
	`operation` text NOT NULL,
	`status` integer NOT NULL,
	`failed` integer NOT NULL,
	`scim_type` text,
	`detail` text,
	`duration_ms` integer NOT NULL,
	`user_agent` text,
	`provider` text,
	`user_name` text,
	`external_id` text,
	`display_name` text,
	`subject_lower` text,
	`stale_token` integer DEFAULT false NOT NULL
);
--> statement-breakpoint
CREATE INDEX `scim_requests_org_at` ON `scim_requests` (`org_id`,`at`,`id`);--> statement-breakpoint
CREATE INDEX `scim_requests_org_failed_at` ON `scim_requests` (`org_id`,`failed`,`at`,`id`);--> statement-breakpoint
CREATE INDEX `scim_requests_org_subject_at` ON `scim_requests` (`org_id`,`subject_lower`,`at`,`id`);--> statement-breakpoint
CREATE INDEX `scim_requests_org_external_id_at` ON `scim_requests` (`org_id`,`external_id`,`at`,`id`);--> statement-breakpoint
CREATE INDEX `scim_requests_org_resource_at` ON `scim_requests` (`org_id`,`resource_id`,`at`,`id`);--> statement-breakpoint
CREATE INDEX `scim_requests_at` ON `scim_requests` (`at`);