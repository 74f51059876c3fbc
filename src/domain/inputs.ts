import * as v from "valibot";
import { SCIM_PROVIDERS, SOURCES } from "../db/schema";

/**
 * What the control panel accepts, in one place: the admin API reads these from JSON, the console
 * from its forms, and both refuse the same input with the same words.
 */

const CONTROL_CHARACTER = /\p{Cc}/u;

/** Text an admin types: no control characters (NUL, line breaks, escapes) once trimmed. */
export const noControlCharacters = v.check<string, string>(
  (text) => !CONTROL_CHARACTER.test(text),
  "must not contain control characters",
);

/** The name of an organization or a team: trimmed, 1 to 200 characters, no control characters. */
export const nameSchema = v.pipe(
  v.string(),
  v.trim(),
  v.minLength(1, "must not be empty"),
  v.maxLength(200, "must be at most 200 characters"),
  noControlCharacters,
);

export const licenseCount = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(10_000_000));
/** Members an organization may hold, active or not (see DEFAULT_MEMBER_QUOTA). */
export const memberQuota = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(10_000_000));
export const scimProvider = v.picklist(SCIM_PROVIDERS);
export const memberEmail = v.pipe(v.string(), v.trim(), v.maxLength(254), v.email("must be an email address"));
// A member's first and last name are SCIM's name.givenName/familyName: the same length limit; empty clears.
export const personName = v.pipe(v.string(), v.trim(), v.maxLength(1024), noControlCharacters);
export const memberSource = v.picklist(SOURCES);
export const memberStatus = v.picklist(["active", "deactivated"]);
/** The member search box: part of an email or name. */
export const memberSearch = v.pipe(v.string(), v.maxLength(254));
