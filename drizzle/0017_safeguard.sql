CREATE TABLE `safeguard_holds` (
	`org_id` text NOT NULL,
	`member_id` text NOT NULL,
	`status` text NOT NULL,
	`operation` text NOT NULL,
	`document` text,
	`base_version` integer NOT NULL,
	`actor` text NOT NULL,
	`user_agent` text,
	`request_id` text,
	`requested_at` text NOT NULL,
	`decided_at` text,
	PRIMARY KEY(`org_id`, `member_id`),
	FOREIGN KEY (`org_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`member_id`) REFERENCES `members`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `safeguard_holds_org_status_order` ON `safeguard_holds` (`org_id`,`status`,`requested_at`,`member_id`);--> statement-breakpoint
CREATE INDEX `safeguard_holds_member` ON `safeguard_holds` (`member_id`);--> statement-breakpoint
CREATE TABLE `safeguards` (
	`org_id` text PRIMARY KEY NOT NULL,
	`enabled` integer DEFAULT true NOT NULL,
	`threshold_percent` integer DEFAULT 20 NOT NULL,
	`minimum_members` integer DEFAULT 10 NOT NULL,
	`window_minutes` integer DEFAULT 60 NOT NULL,
	`window_started_at` text,
	`window_limit` integer DEFAULT 0 NOT NULL,
	`window_applied` integer DEFAULT 0 NOT NULL,
	`tripped_at` text,
	`released_at` text,
	`decision` text,
	FOREIGN KEY (`org_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "safeguard_settings_in_range" CHECK("safeguards"."threshold_percent" BETWEEN 1 AND 100 AND "safeguards"."minimum_members" >= 1 AND "safeguards"."window_minutes" BETWEEN 1 AND 10080)
);
--> statement-breakpoint
-- A trip lasts while requests are held: once the last held one is gone (its member reactivated by the
-- identity provider, or deleted), the safeguard is armed again, whoever removed it.
CREATE TRIGGER `safeguard_holds_untrip_on_delete` AFTER DELETE ON `safeguard_holds`
WHEN OLD.`status` = 'held'
  AND NOT EXISTS (SELECT 1 FROM `safeguard_holds` WHERE `org_id` = OLD.`org_id` AND `status` = 'held')
BEGIN
  UPDATE `safeguards` SET `tripped_at` = NULL WHERE `org_id` = OLD.`org_id`;
END;
