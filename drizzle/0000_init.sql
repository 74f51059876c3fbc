CREATE TABLE `activity_log` (
	`id` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`at` text NOT NULL,
	`actor` text NOT NULL,
	`action` text NOT NULL,
	`target_type` text NOT NULL,
	`target_id` text,
	`target_name` text,
	`changes` text
);
--> statement-breakpoint
CREATE INDEX `activity_log_org_at` ON `activity_log` (`org_id`,`at`,`id`);--> statement-breakpoint
CREATE TABLE `member_emails` (
	`member_id` text NOT NULL,
	`position` integer NOT NULL,
	`org_id` text NOT NULL,
	`value_lower` text,
	`type_lower` text,
	`primary` integer,
	PRIMARY KEY(`member_id`, `position`),
	FOREIGN KEY (`member_id`) REFERENCES `members`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `member_emails_org_value` ON `member_emails` (`org_id`,`value_lower`);--> statement-breakpoint
CREATE TABLE `members` (
	`id` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`user_name` text NOT NULL,
	`user_name_lower` text NOT NULL,
	`email` text NOT NULL,
	`email_lower` text NOT NULL,
	`external_id` text,
	`active` integer DEFAULT true NOT NULL,
	`source` text NOT NULL,
	`provisioned` integer NOT NULL,
	`document` text NOT NULL,
	`version` integer DEFAULT 1 NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`org_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `members_org_user_name` ON `members` (`org_id`,`user_name_lower`);--> statement-breakpoint
CREATE UNIQUE INDEX `members_org_email` ON `members` (`org_id`,`email_lower`);--> statement-breakpoint
CREATE INDEX `members_org_external_id` ON `members` (`org_id`,`external_id`);--> statement-breakpoint
CREATE INDEX `members_org_provisioned_order` ON `members` (`org_id`,`provisioned`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `members_org_order` ON `members` (`org_id`,`created_at`,`id`);--> statement-breakpoint
CREATE TABLE `organizations` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`licenses` integer NOT NULL,
	`licenses_used` integer DEFAULT 0 NOT NULL,
	`scim_enabled` integer DEFAULT false NOT NULL,
	`scim_provider` text,
	`scim_token_hash` text,
	`scim_token_created_at` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	CONSTRAINT "licenses_within_limit" CHECK("organizations"."licenses_used" <= "organizations"."licenses"),
	CONSTRAINT "licenses_not_negative" CHECK("organizations"."licenses_used" >= 0)
);
