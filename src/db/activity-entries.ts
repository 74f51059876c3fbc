/** Every action the activity log knows, in one list so names never drift between writers and readers. */
export const ACTIVITY_ACTIONS = [
  "organization.created",
  "organization.updated",
  "scim.enabled",
  "scim.disabled",
  "scim.token_rotated",
  "member.created",
  "member.invited",
  "member.create_rejected",
  "member.updated",
  "member.deactivated",
  "member.reactivated",
  "member.deleted",
  "member.deactivation_held",
  "member.hold_cleared",
  "member.safeguard_exempted",
  "team.created",
  "team.updated",
  "team.deleted",
  "team.members_added",
  "team.members_removed",
  "conflict.linked",
  "conflict.dismissed",
  /** An identity provider's later request settled an open conflict (a create or update that went through). */
  "conflict.settled",
  "safeguard.tripped",
  "safeguard.released",
  "safeguard.rejected",
  "safeguard.updated",
] as const;

export type ActivityAction = (typeof ACTIVITY_ACTIONS)[number];

/** `admin` for the control panel, `scim:<provider>` for an identity provider. */
export type Actor = "admin" | `scim:${string}`;

export const TARGET_TYPES = ["organization", "member", "team"] as const;

export type TargetType = (typeof TARGET_TYPES)[number];

/** For updates: each changed attribute with its old and new value. */
export type Changes = Record<string, { from: unknown; to: unknown }>;
