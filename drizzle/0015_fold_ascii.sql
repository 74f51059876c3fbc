-- One case folding (src/scim/folding.ts): ASCII letters A-Z to a-z, every other character as it is,
-- exactly SQLite's lower(). The columns below were folded by JavaScript's toLowerCase(), which also
-- folds other letters (É to é); they are folded again by the one rule. Only rows holding such a
-- letter change. Plain UPDATEs, no table rebuilt: no row is deleted, and no trigger watches these
-- columns, so no version, timestamp or counter moves. No two rows can meet in a unique index: two
-- values that differ only in ASCII case were already equal when every letter folded.
UPDATE `members` SET `user_name_lower` = lower(`user_name`) WHERE `user_name_lower` <> lower(`user_name`);
--> statement-breakpoint
UPDATE `members` SET `email_lower` = lower(`email`) WHERE `email_lower` <> lower(`email`);
--> statement-breakpoint
UPDATE `teams` SET `display_name_lower` = lower(`display_name`) WHERE `display_name_lower` <> lower(`display_name`);
--> statement-breakpoint
UPDATE `scim_requests` SET `subject_lower` = lower(coalesce(`user_name`, `display_name`))
WHERE `subject_lower` <> lower(coalesce(`user_name`, `display_name`));
--> statement-breakpoint
-- A refused create's conflict is keyed by the folded userName of the document it keeps.
UPDATE `conflicts` SET `subject` = lower(json_extract(`document`, '$.userName'))
WHERE `kind` IN ('no_licence', 'email_held_by_manual_member')
  AND json_type(`document`, '$.userName') = 'text'
  AND `subject` <> lower(json_extract(`document`, '$.userName'));
