import { MAX_MEMBERS_PER_REQUEST } from "../scim/members-per-request";
import { DomainError } from "./errors";

/**
 * Members one request may name, through SCIM, the admin API or the console alike (SCIM publishes
 * it in the Group schema, hence its definition beside the protocol). Membership is rows, so this,
 * not the size of a team, bounds a request's work.
 */
export { MAX_MEMBERS_PER_REQUEST };

/** `too_many_members` when a request names more members than MAX_MEMBERS_PER_REQUEST. */
export function requireMembersNamed(count: number): void {
  if (count > MAX_MEMBERS_PER_REQUEST) {
    throw new DomainError(
      "too_many_members",
      `The request names ${count} members; at most ${MAX_MEMBERS_PER_REQUEST} can be named in one request. Split it into several requests.`,
    );
  }
}

/** The membership rule: a manual member cannot join a provisioned team; a provisioned member may join any team. */
export function mayJoin(team: { provisioned: boolean }, member: { provisioned: boolean }): boolean {
  return !team.provisioned || member.provisioned;
}

/** Whether a member may join only the teams created in the control panel (see mayJoin). */
export const joinsManualTeamsOnly = (member: { provisioned: boolean }) => !mayJoin({ provisioned: true }, member);

/** Who may join a team, in a sentence (see mayJoin). */
export function whoMayJoin(team: { provisioned: boolean }): string {
  return mayJoin(team, { provisioned: false })
    ? "Any member can join a team created here, provisioned members included."
    : "Only members provisioned by an identity provider can join a provisioned team.";
}

/** Why a member is offered only some teams (see mayJoin); undefined when it may join any. */
export function whyTeamsNotOffered(member: { provisioned: boolean }): string | undefined {
  return joinsManualTeamsOnly(member)
    ? "Only teams created here are listed: a member invited here cannot join a team provisioned by an identity provider."
    : undefined;
}
