import { ENTERPRISE_USER_SCHEMA, USER_SCHEMA } from "./urns";

/**
 * The words a person reads for a SCIM attribute (the console's activity, timelines, conflicts), by its
 * path as the activity log records it: `userName`, `name.givenName`, `urn:…:enterprise:2.0:User:department`.
 */
const LABELS: Record<string, string> = {
  userName: "Username",
  externalId: "External ID",
  active: "Status",
  source: "Source",
  name: "Name",
  "name.formatted": "Full name",
  "name.givenName": "First name",
  "name.familyName": "Last name",
  "name.middleName": "Middle name",
  "name.honorificPrefix": "Name prefix",
  "name.honorificSuffix": "Name suffix",
  displayName: "Display name",
  nickName: "Nickname",
  profileUrl: "Profile URL",
  title: "Title",
  userType: "User type",
  preferredLanguage: "Preferred language",
  locale: "Locale",
  timezone: "Time zone",
  emails: "Emails",
  phoneNumbers: "Phone numbers",
  ims: "Instant messaging",
  photos: "Photos",
  addresses: "Addresses",
  groups: "Groups",
  entitlements: "Entitlements",
  roles: "Roles",
  x509Certificates: "Certificates",
  members: "Members",
  employeeNumber: "Employee number",
  costCenter: "Cost center",
  organization: "Organization",
  division: "Division",
  department: "Department",
  manager: "Manager",
  "manager.value": "Manager",
  "manager.displayName": "Manager's name",
};

const SCHEMA_PREFIXES = [`${ENTERPRISE_USER_SCHEMA}:`, `${USER_SCHEMA}:`];

/**
 * An attribute path in words: "Department" for `urn:…:enterprise:2.0:User:department`, "First name"
 * for `name.givenName`. A path the table does not know keeps its last segment, never a URN.
 */
export function attributeLabel(path: string): string {
  const prefix = SCHEMA_PREFIXES.find((p) => path.toLowerCase().startsWith(p.toLowerCase()));
  const bare = prefix ? path.slice(prefix.length) : path;
  const known = Object.keys(LABELS).find((key) => key.toLowerCase() === bare.toLowerCase());
  if (known) return LABELS[known];
  const last = bare.split(/[:.]/).pop() || bare;
  // camelCase to words: "costCenter" → "Cost center"
  const words = last.replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}
