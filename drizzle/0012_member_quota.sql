ALTER TABLE `organizations` ADD `member_count` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `organizations` ADD `member_quota` integer DEFAULT 250000 NOT NULL;--> statement-breakpoint
-- member_count: every member of the organization. An insert past member_quota fails as a whole, so
-- no interleaving of requests can exceed the quota; inactive members count too (they take storage).
UPDATE `organizations` SET `member_count` = (SELECT count(*) FROM `members` WHERE `members`.`org_id` = `organizations`.`id`);
--> statement-breakpoint
CREATE TRIGGER `members_quota_on_insert` BEFORE INSERT ON `members`
WHEN (SELECT `member_count` >= `member_quota` FROM `organizations` WHERE `id` = NEW.`org_id`)
BEGIN
  SELECT RAISE(ABORT, 'member_quota_reached');
END;
--> statement-breakpoint
CREATE TRIGGER `members_total_on_insert` AFTER INSERT ON `members`
BEGIN
  UPDATE `organizations` SET `member_count` = `member_count` + 1 WHERE `id` = NEW.`org_id`;
END;
--> statement-breakpoint
CREATE TRIGGER `members_total_on_delete` AFTER DELETE ON `members`
BEGIN
  UPDATE `organizations` SET `member_count` = `member_count` - 1 WHERE `id` = OLD.`org_id`;
END;
