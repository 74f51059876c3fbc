ALTER TABLE `members` ADD `sort_display_name` text;--> statement-breakpoint
ALTER TABLE `members` ADD `sort_family_name` text;--> statement-breakpoint
ALTER TABLE `members` ADD `sort_given_name` text;--> statement-breakpoint
ALTER TABLE `members` ADD `sort_email` text;--> statement-breakpoint
ALTER TABLE `members` ADD `sort_external_id` text;--> statement-breakpoint
CREATE INDEX `members_sort_user_name` ON `members` (`org_id`,`provisioned`,`user_name_lower`,`id`);--> statement-breakpoint
CREATE INDEX `members_sort_display_name` ON `members` (`org_id`,`provisioned`,`sort_display_name`,`id`);--> statement-breakpoint
CREATE INDEX `members_sort_family_name` ON `members` (`org_id`,`provisioned`,`sort_family_name`,`id`);--> statement-breakpoint
CREATE INDEX `members_sort_given_name` ON `members` (`org_id`,`provisioned`,`sort_given_name`,`id`);--> statement-breakpoint
CREATE INDEX `members_sort_email` ON `members` (`org_id`,`provisioned`,`sort_email`,`id`);--> statement-breakpoint
CREATE INDEX `members_sort_external_id` ON `members` (`org_id`,`provisioned`,`sort_external_id`,`id`);--> statement-breakpoint
CREATE INDEX `members_sort_last_modified` ON `members` (`org_id`,`provisioned`,`updated_at`,`id`);--> statement-breakpoint
ALTER TABLE `teams` ADD `sort_external_id` text;--> statement-breakpoint
CREATE INDEX `teams_sort_display_name` ON `teams` (`org_id`,`provisioned`,`display_name_lower`,`id`);--> statement-breakpoint
CREATE INDEX `teams_sort_external_id` ON `teams` (`org_id`,`provisioned`,`sort_external_id`,`id`);--> statement-breakpoint
CREATE INDEX `teams_sort_last_modified` ON `teams` (`org_id`,`provisioned`,`updated_at`,`id`);