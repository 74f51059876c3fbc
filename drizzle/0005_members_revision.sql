ALTER TABLE `organizations` ADD `members_revision` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
DROP TRIGGER `members_count_on_insert`;
--> statement-breakpoint
DROP TRIGGER `members_count_on_delete`;
--> statement-breakpoint
CREATE TRIGGER `members_count_on_insert` AFTER INSERT ON `members` WHEN NEW.`provisioned` = 1
BEGIN
  UPDATE `organizations` SET `provisioned_members` = `provisioned_members` + 1, `members_revision` = `members_revision` + 1
  WHERE `id` = NEW.`org_id`;
END;
--> statement-breakpoint
CREATE TRIGGER `members_count_on_delete` AFTER DELETE ON `members` WHEN OLD.`provisioned` = 1
BEGIN
  UPDATE `organizations` SET `provisioned_members` = `provisioned_members` - 1, `members_revision` = `members_revision` + 1
  WHERE `id` = OLD.`org_id`;
END;
