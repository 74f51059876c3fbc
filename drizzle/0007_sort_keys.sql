-- SCIM sortBy keys, derived from the stored document by triggers so that no writer (the API, the
-- control panel, bulk SQL) can leave them out of step. lower() folds ASCII letters only, as for the
-- member_emails mirror. A missing value is char(1114111) (U+10FFFF), greater than any other text:
-- ascending puts it last and descending first (RFC 7644 §3.4.2.3). The email key is the primary
-- email, else the first. Inserts (and the backfill below) set external_id to itself, which runs the
-- one update trigger that computes the keys, and no other trigger.
CREATE TRIGGER `members_sort_keys` AFTER UPDATE OF `document`, `external_id` ON `members`
BEGIN
  UPDATE `members` SET
    `sort_display_name` = coalesce(lower(json_extract(NEW.`document`, '$.displayName')), char(1114111)),
    `sort_family_name` = coalesce(lower(json_extract(NEW.`document`, '$.name.familyName')), char(1114111)),
    `sort_given_name` = coalesce(lower(json_extract(NEW.`document`, '$.name.givenName')), char(1114111)),
    `sort_email` = coalesce((
      SELECT lower(json_extract(e.`value`, '$.value')) FROM json_each(NEW.`document`, '$.emails') AS e
      WHERE json_extract(e.`value`, '$.value') IS NOT NULL
      ORDER BY coalesce(json_extract(e.`value`, '$.primary'), 0) = 1 DESC, CAST(e.`key` AS INTEGER) LIMIT 1
    ), char(1114111)),
    `sort_external_id` = coalesce(NEW.`external_id`, char(1114111))
  WHERE `id` = NEW.`id`;
END;
--> statement-breakpoint
CREATE TRIGGER `members_sort_keys_on_insert` AFTER INSERT ON `members`
BEGIN
  UPDATE `members` SET `external_id` = NEW.`external_id` WHERE `id` = NEW.`id`;
END;
--> statement-breakpoint
UPDATE `members` SET `external_id` = `external_id`;
--> statement-breakpoint
CREATE TRIGGER `teams_sort_keys` AFTER UPDATE OF `external_id` ON `teams`
BEGIN
  UPDATE `teams` SET `sort_external_id` = coalesce(NEW.`external_id`, char(1114111)) WHERE `id` = NEW.`id`;
END;
--> statement-breakpoint
CREATE TRIGGER `teams_sort_keys_on_insert` AFTER INSERT ON `teams`
BEGIN
  UPDATE `teams` SET `external_id` = NEW.`external_id` WHERE `id` = NEW.`id`;
END;
--> statement-breakpoint
UPDATE `teams` SET `external_id` = `external_id`;
