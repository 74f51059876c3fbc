import type { ActivityAction } from "../db/activity-entries";
import { actorProvider, providerName } from "../domain/providers";
import { attributeLabel } from "../scim/schemas/labels";

export interface ActivityRecord {
  actor: string;
  action: string;
  targetName: string | null;
  changes: unknown;
}

/** `admin` is "Admin"; `scim:okta` is "Okta". */
export function actorName(actor: string): string {
  if (actor === "admin") return "Admin";
  return actorProvider(actor) ? providerName(actorProvider(actor)) : actor;
}

/** Each action in words, as the activity filter offers them. */
export const ACTION_LABELS: Record<ActivityAction, string> = {
  "organization.created": "Organization created",
  "organization.updated": "Organization updated",
  "scim.enabled": "Provisioning turned on",
  "scim.disabled": "Provisioning turned off",
  "scim.token_rotated": "Token regenerated",
  "member.created": "Member provisioned",
  "member.invited": "Member invited",
  "member.create_rejected": "Member could not be created",
  "member.updated": "Member updated",
  "member.deactivated": "Member deactivated",
  "member.reactivated": "Member reactivated",
  "member.deleted": "Member deleted",
  "member.deactivation_held": "Deactivation held by the safeguard",
  "member.hold_cleared": "Held deactivation dropped",
  "member.safeguard_exempted": "Member let through the safeguard",
  "team.created": "Team created",
  "team.updated": "Team updated",
  "team.deleted": "Team deleted",
  "team.members_added": "Members added to a team",
  "team.members_removed": "Members removed from a team",
  "conflict.linked": "Conflict linked",
  "conflict.dismissed": "Conflict dismissed",
  "conflict.settled": "Conflict settled by the identity provider",
  "safeguard.tripped": "Safeguard tripped",
  "safeguard.released": "Held deactivations released",
  "safeguard.rejected": "Held members kept active",
  "safeguard.updated": "Safeguard settings changed",
};

const asRecord = (value: unknown): Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};

function providerOf(changes: Record<string, unknown>): string {
  const provider = changes.provider;
  const name = typeof provider === "string" ? provider : asRecord(provider).to;
  return typeof name === "string" ? providerName(name) : "SCIM";
}

/** An activity entry as a sentence a person reads: "Okta deactivated jane@acme.com". */
export function describeActivity(entry: ActivityRecord): string {
  const who = actorName(entry.actor);
  const target = entry.targetName ?? "an unnamed item";
  const changes = asRecord(entry.changes);
  const members = Array.isArray(changes.members) ? (changes.members as { userName?: string }[]) : [];
  const memberList = members.length === 1 ? (members[0].userName ?? "1 member") : `${members.length} members`;
  switch (entry.action as ActivityAction) {
    case "organization.created":
      return `${who} created the organization ${target}`;
    case "organization.updated":
      return `${who} updated the organization ${target}`;
    case "scim.enabled":
      return typeof changes.provider === "object"
        ? `${who} switched SCIM provisioning to ${providerOf(changes)}`
        : `${who} turned ${providerOf(changes)} provisioning on`;
    case "scim.disabled":
      return `${who} turned SCIM provisioning off`;
    case "scim.token_rotated":
      return `${who} regenerated the SCIM token`;
    case "member.created":
      return `${who} created ${target}`;
    case "member.invited":
      return `${who} invited ${target}`;
    case "member.create_rejected": {
      const detail = typeof changes.detail === "string" ? changes.detail : "refused";
      const use = /(\d+) of (\d+)/.exec(detail);
      const reason =
        changes.reason === "license_limit_reached" && use ? `no licence free (${use[1]} of ${use[2]})` : detail;
      return `${who} could not create ${target}: ${reason}`;
    }
    case "member.updated":
      return `${who} updated ${target}`;
    case "member.deactivated":
      return `${who} deactivated ${target}`;
    case "member.reactivated":
      return `${who} reactivated ${target}`;
    case "member.deleted":
      return `${who} deleted ${target}`;
    case "team.created":
      return `${who} created the team ${target}`;
    case "team.updated":
      return `${who} updated the team ${target}`;
    case "team.deleted":
      return `${who} deleted the team ${target}`;
    case "team.members_added":
      return `${who} added ${memberList} to ${target}`;
    case "team.members_removed":
      return `${who} removed ${memberList} from ${target}`;
    case "conflict.linked":
      return `${who} linked ${target} to ${providerOf({ provider: changes.source })}`;
    case "conflict.dismissed":
      return `${who} dismissed a conflict about ${target}`;
    case "conflict.settled":
      return `${who} settled the conflict about ${target}: its later request went through`;
    case "member.deactivation_held":
      return `${who} asked to ${changes.operation === "delete" ? "delete" : "deactivate"} ${target}: held by the safeguard`;
    case "member.hold_cleared":
      return `${who} reactivated ${target}: its held deactivation is dropped`;
    case "member.safeguard_exempted":
      return `${who} let the identity provider deactivate ${target}`;
    case "safeguard.tripped":
      return `${who} tripped the deprovisioning safeguard: further deactivations are held`;
    case "safeguard.released":
      return `${who} released ${memberList} held by the safeguard`;
    case "safeguard.rejected":
      return `${who} kept ${memberList} active: the safeguard refuses their deactivation`;
    case "safeguard.updated": {
      const enabled = asRecord(changes.enabled).to;
      if (enabled === false) return `${who} turned the deprovisioning safeguard off`;
      return `${who} ${enabled === true ? "turned on" : "changed"} the deprovisioning safeguard`;
    }
    default:
      return `${who}: ${entry.action} ${target}`;
  }
}

const show = (value: unknown) =>
  value === null || value === undefined ? "—" : typeof value === "string" ? value : JSON.stringify(value);

type ChangeLine = { name: string; from?: string; to: string };

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** A changed complex attribute (name, a manager) shown by the sub-attributes that changed: name.familyName. */
function changeLines(name: string, from: unknown, to: unknown): ChangeLine[] {
  if (isPlainObject(from) && isPlainObject(to)) {
    const keys = [...new Set([...Object.keys(from), ...Object.keys(to)])];
    return keys
      .filter((key) => JSON.stringify(from[key]) !== JSON.stringify(to[key]))
      .map((key) => ({ name: attributeLabel(`${name}.${key}`), from: show(from[key]), to: show(to[key]) }));
  }
  return [{ name: attributeLabel(name), from: show(from), to: show(to) }];
}

/** The changed attributes of an update in words ("Department"), old → new; other details as they were recorded. */
export function describeChanges(changes: unknown): ChangeLine[] {
  return Object.entries(asRecord(changes))
    .filter(([name]) => name !== "members")
    .flatMap(([name, value]) => {
      const change = asRecord(value);
      // A provider or source by its name: "Okta", not "okta".
      const named = (v: unknown) => (PROVIDER_KEYS.has(name) && typeof v === "string" ? providerName(v) : v);
      return "from" in change && "to" in change
        ? changeLines(name, named(change.from), named(change.to))
        : [{ name: attributeLabel(name), to: show(named(value)) }];
    });
}

const PROVIDER_KEYS = new Set(["provider", "source"]);
