-- Licences: one per active member, counted in organizations.licenses_used. The CHECK constraint
-- licenses_within_limit on organizations makes an insert or reactivation past the limit fail as a whole.
CREATE TRIGGER `members_license_on_insert` AFTER INSERT ON `members` WHEN NEW.`active` = 1
BEGIN
  UPDATE `organizations` SET `licenses_used` = `licenses_used` + 1 WHERE `id` = NEW.`org_id`;
END;
--> statement-breakpoint
CREATE TRIGGER `members_license_on_activate` AFTER UPDATE OF `active` ON `members`
WHEN NEW.`active` = 1 AND OLD.`active` = 0
BEGIN
  UPDATE `organizations` SET `licenses_used` = `licenses_used` + 1 WHERE `id` = NEW.`org_id`;
END;
--> statement-breakpoint
CREATE TRIGGER `members_license_on_deactivate` AFTER UPDATE OF `active` ON `members`
WHEN NEW.`active` = 0 AND OLD.`active` = 1
BEGIN
  UPDATE `organizations` SET `licenses_used` = `licenses_used` - 1 WHERE `id` = NEW.`org_id`;
END;
--> statement-breakpoint
CREATE TRIGGER `members_license_on_delete` AFTER DELETE ON `members` WHEN OLD.`active` = 1
BEGIN
  UPDATE `organizations` SET `licenses_used` = `licenses_used` - 1 WHERE `id` = OLD.`org_id`;
END;
--> statement-breakpoint
-- member_emails mirrors members.document's emails so that email filters are index lookups.
-- Kept by triggers so the mirror can never drift from the document, whatever statement writes it.
CREATE TRIGGER `member_emails_on_insert` AFTER INSERT ON `members`
BEGIN
  INSERT INTO `member_emails` (`member_id`, `position`, `org_id`, `value_lower`, `type_lower`, `primary`)
  SELECT NEW.`id`, CAST(e.`key` AS INTEGER), NEW.`org_id`,
         lower(json_extract(e.`value`, '$.value')), lower(json_extract(e.`value`, '$.type')),
         json_extract(e.`value`, '$.primary')
  FROM json_each(NEW.`document`, '$.emails') AS e;
END;
--> statement-breakpoint
CREATE TRIGGER `member_emails_on_update` AFTER UPDATE OF `document` ON `members`
BEGIN
  DELETE FROM `member_emails` WHERE `member_id` = NEW.`id`;
  INSERT INTO `member_emails` (`member_id`, `position`, `org_id`, `value_lower`, `type_lower`, `primary`)
  SELECT NEW.`id`, CAST(e.`key` AS INTEGER), NEW.`org_id`,
         lower(json_extract(e.`value`, '$.value')), lower(json_extract(e.`value`, '$.type')),
         json_extract(e.`value`, '$.primary')
  FROM json_each(NEW.`document`, '$.emails') AS e;
END;
