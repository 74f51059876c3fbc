import * as v from "valibot";
import { ACTIVITY_ACTIONS } from "../db/activity-entries";
import { SAFEGUARD_HOLD_STATUSES, SCIM_PROVIDERS, SOURCES } from "../db/schema";
import { DomainError } from "./errors";
import { controlCharacterProblem, nameProblem } from "./names";

/**
 * What the control panel accepts, in one place: the admin API reads these from JSON, the console
 * from its forms, and both refuse the same input with the same words.
 */

/** Text an admin types: no control characters (NUL, line breaks, escapes) once trimmed. */
export const noControlCharacters = v.check(
  (text: string) => controlCharacterProblem(text) === undefined,
  (issue) => controlCharacterProblem(issue.input)!,
);

/** The name of an organization or a team: trimmed, then held to the one name rule (see nameProblem). */
export const nameSchema = v.pipe(
  v.string(),
  v.trim(),
  v.check(
    (name) => nameProblem(name) === undefined,
    (issue) => nameProblem(issue.input)!,
  ),
);

export const licenseCount = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(10_000_000));
/** Members an organization may hold, active or not (see DEFAULT_MEMBER_QUOTA). */
export const memberQuota = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(10_000_000));
export const scimProvider = v.picklist(SCIM_PROVIDERS);
/** A shard the operator names (the domain checks that it exists). */
export const shardNumber = v.pipe(v.number(), v.integer(), v.minValue(0));
export const memberEmail = v.pipe(v.string(), v.trim(), v.maxLength(254), v.email("must be an email address"));
// A member's first and last name are SCIM's name.givenName/familyName: the same length limit; empty clears.
export const personName = v.pipe(v.string(), v.trim(), v.maxLength(1024), noControlCharacters);
export const memberSource = v.picklist(SOURCES);
export const memberStatus = v.picklist(["active", "deactivated"]);
/** An activity log action (its `options` list every one). */
export const activityAction = v.picklist(ACTIVITY_ACTIONS, "is not a known action");
/** Who acted, as the activity log names it: the control panel's admin or an identity provider. */
export const activityActor = v.picklist(["admin", ...SCIM_PROVIDERS.map((p) => `scim:${p}` as const)]);
/** The member search box: part of an email or name. */
export const memberSearch = v.pipe(v.string(), v.maxLength(254));

/** A request's query parameters, held to `schema`: a bad one is refused (`invalid_input`) naming it. */
export function parseQuery<T extends v.GenericSchema>(query: Record<string, string>, schema: T): v.InferOutput<T> {
  const parsed = v.safeParse(schema, query);
  if (parsed.success) return parsed.output;
  const issue = parsed.issues[0];
  throw new DomainError("invalid_input", `${v.getDotPath(issue) ?? "query"}: ${issue.message}`);
}

/** The deprovisioning safeguard's settings (see SAFEGUARD_DEFAULTS): the bounds the database's check holds too. */
export const safeguardThresholdPercent = v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(100));
export const safeguardMinimumMembers = v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(10_000_000));
/** At most a week: a window longer than that would hold a slow, deliberate offboarding for days. */
export const safeguardWindowMinutes = v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(10_080));
export const safeguardHoldStatus = v.picklist(SAFEGUARD_HOLD_STATUSES, "must be held, released, rejected or exempt");
