CREATE TABLE `team_members` (
	`team_id` text NOT NULL,
	`member_id` text NOT NULL,
	`org_id` text NOT NULL,
	PRIMARY KEY(`team_id`, `member_id`),
	FOREIGN KEY (`team_id`) REFERENCES `teams`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`member_id`) REFERENCES `members`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `team_members_member` ON `team_members` (`member_id`,`team_id`);--> statement-breakpoint
CREATE TABLE `teams` (
	`id` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`display_name` text NOT NULL,
	`display_name_lower` text NOT NULL,
	`external_id` text,
	`source` text NOT NULL,
	`provisioned` integer NOT NULL,
	`version` integer DEFAULT 1 NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`org_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `teams_org_display_name` ON `teams` (`org_id`,`display_name_lower`);--> statement-breakpoint
CREATE INDEX `teams_org_external_id` ON `teams` (`org_id`,`external_id`);--> statement-breakpoint
CREATE INDEX `teams_org_provisioned_order` ON `teams` (`org_id`,`provisioned`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `teams_org_order` ON `teams` (`org_id`,`created_at`,`id`);