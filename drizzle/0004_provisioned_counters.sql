ALTER TABLE `organizations` ADD `provisioned_members` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `organizations` ADD `provisioned_teams` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
UPDATE `organizations` SET
  `provisioned_members` = (SELECT count(*) FROM `members` WHERE `members`.`org_id` = `organizations`.`id` AND `members`.`provisioned` = 1),
  `provisioned_teams` = (SELECT count(*) FROM `teams` WHERE `teams`.`org_id` = `organizations`.`id` AND `teams`.`provisioned` = 1);
--> statement-breakpoint
CREATE TRIGGER `members_count_on_insert` AFTER INSERT ON `members` WHEN NEW.`provisioned` = 1
BEGIN
  UPDATE `organizations` SET `provisioned_members` = `provisioned_members` + 1 WHERE `id` = NEW.`org_id`;
END;
--> statement-breakpoint
CREATE TRIGGER `members_count_on_delete` AFTER DELETE ON `members` WHEN OLD.`provisioned` = 1
BEGIN
  UPDATE `organizations` SET `provisioned_members` = `provisioned_members` - 1 WHERE `id` = OLD.`org_id`;
END;
--> statement-breakpoint
CREATE TRIGGER `teams_count_on_insert` AFTER INSERT ON `teams` WHEN NEW.`provisioned` = 1
BEGIN
  UPDATE `organizations` SET `provisioned_teams` = `provisioned_teams` + 1 WHERE `id` = NEW.`org_id`;
END;
--> statement-breakpoint
CREATE TRIGGER `teams_count_on_delete` AFTER DELETE ON `teams` WHEN OLD.`provisioned` = 1
BEGIN
  UPDATE `organizations` SET `provisioned_teams` = `provisioned_teams` - 1 WHERE `id` = OLD.`org_id`;
END;
