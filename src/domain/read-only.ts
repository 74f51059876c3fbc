import type { Organization } from "../db/schema-types";
import { DomainError } from "./errors";

/**
 * While provisioning is on, what the identity provider provisioned is changed there: in the control
 * panel it is read-only. Turned off, it is editable again (its source marker stays).
 */
export function isReadOnly(organization: Organization, subject: { provisioned: boolean }): boolean {
  return organization.scimEnabled && subject.provisioned;
}

export function assertEditable(
  organization: Organization,
  subject: { provisioned: boolean; source: string },
  kind: "member" | "team",
): void {
  if (isReadOnly(organization, subject)) {
    throw new DomainError(
      "provisioned_read_only",
      `This ${kind} is provisioned by ${subject.source}: change it in the identity provider, or turn SCIM provisioning off first.`,
    );
  }
}
