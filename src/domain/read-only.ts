import type { ScimProvider } from "../db/schema";
import type { Organization } from "../db/schema-types";
import { DomainError } from "./errors";
import { providerName } from "./providers";

/**
 * While provisioning is on, what the identity provider provisioned is changed there: in the control
 * panel it is read-only. Turned off, it is editable again (its source marker stays).
 */
export function isReadOnly(organization: Organization, subject: { provisioned: boolean }): boolean {
  return organization.scimEnabled && subject.provisioned;
}

/**
 * The control panel's notice that provisioned members and teams are read-only: the provider to name
 * while provisioning is on and anything it provisioned exists (the organization's counters, kept by
 * triggers); undefined when there is nothing read-only to tell of.
 */
export function readOnlyNotice(organization: Organization): ScimProvider | undefined {
  if (!organization.scimEnabled || !organization.scimProvider) return undefined;
  return organization.provisionedMembers + organization.provisionedTeams > 0 ? organization.scimProvider : undefined;
}

export function assertEditable(
  organization: Organization,
  subject: { provisioned: boolean; source: string },
  kind: "member" | "team",
): void {
  if (isReadOnly(organization, subject)) {
    throw new DomainError(
      "provisioned_read_only",
      `This ${kind} is provisioned by ${providerName(subject.source)}: change it in the identity provider, or turn SCIM provisioning off first.`,
    );
  }
}
