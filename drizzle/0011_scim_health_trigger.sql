-- Connection health, counted as requests land in scim_requests: only a row really inserted fires the
-- trigger, so a redelivered record (skipped by its id) never counts twice. The latest times win
-- whatever order the queue delivers in; stale-token attempts count from the last token change on.
CREATE TRIGGER `scim_requests_health` AFTER INSERT ON `scim_requests`
BEGIN
  INSERT INTO `scim_request_hours` (`org_id`, `hour`, `requests`, `errors`)
  VALUES (NEW.`org_id`, substr(NEW.`at`, 1, 13), 1, NEW.`failed`)
  ON CONFLICT (`org_id`, `hour`) DO UPDATE SET
    `requests` = `requests` + 1,
    `errors` = `errors` + excluded.`errors`;
  INSERT INTO `scim_health` (`org_id`) VALUES (NEW.`org_id`) ON CONFLICT (`org_id`) DO NOTHING;
  UPDATE `scim_health` SET
    `last_request_at` = max(coalesce(`last_request_at`, ''), NEW.`at`),
    `last_success_at` = CASE WHEN NEW.`failed` = 0 THEN max(coalesce(`last_success_at`, ''), NEW.`at`) ELSE `last_success_at` END,
    `last_error_at` = CASE WHEN NEW.`failed` = 1 THEN max(coalesce(`last_error_at`, ''), NEW.`at`) ELSE `last_error_at` END,
    `token_last_used_at` = CASE WHEN NEW.`status` <> 401 THEN max(coalesce(`token_last_used_at`, ''), NEW.`at`) ELSE `token_last_used_at` END,
    `stale_token_attempts` = `stale_token_attempts` + (NEW.`stale_token` = 1 AND NEW.`at` >= coalesce(`stale_since`, ''))
  WHERE `org_id` = NEW.`org_id`;
END;
