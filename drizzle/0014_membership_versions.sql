-- A membership row joining or leaving changes both resources: the group's `members` and the user's
-- `groups`. Each change bumps both versions (their ETags) and lastModified, whoever made it: a
-- SCIM PATCH or PUT, the control panel, or a member's or team's deletion cascading to its rows.
-- A write that changes no row bumps nothing. The timestamp has the format of the service's own
-- (`new Date().toISOString()`).
CREATE TRIGGER `team_members_versions_on_insert` AFTER INSERT ON `team_members`
BEGIN
  UPDATE `teams` SET `version` = `version` + 1, `updated_at` = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
  WHERE `id` = NEW.`team_id`;
  UPDATE `members` SET `version` = `version` + 1, `updated_at` = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
  WHERE `id` = NEW.`member_id`;
END;
--> statement-breakpoint
CREATE TRIGGER `team_members_versions_on_delete` AFTER DELETE ON `team_members`
BEGIN
  UPDATE `teams` SET `version` = `version` + 1, `updated_at` = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
  WHERE `id` = OLD.`team_id`;
  UPDATE `members` SET `version` = `version` + 1, `updated_at` = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
  WHERE `id` = OLD.`member_id`;
END;
