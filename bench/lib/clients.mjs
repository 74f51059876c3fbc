// The identity providers the benchmark imitates: the headers each sends with every request
// (/work/shared/reference/clients.md, Okta's and Microsoft's provisioning docs) and the query and body
// shapes of the requests they really make. A case is named after the client it imitates; a case
// that sends anything that client does not is marked `extra` and never used for a target.

import { PATCH_OP, SCIM_TOKEN } from "./env.mjs";

const common = {
  Authorization: `Bearer ${SCIM_TOKEN}`,
  Accept: "application/scim+json",
  "Content-Type": "application/scim+json; charset=utf-8",
};

export const CLIENTS = {
  okta: { label: "Okta", headers: { ...common, "User-Agent": "Okta SCIM Client 1.0.0" } },
  // The service never looks at the User-Agent; this one stands for Entra's provisioning service.
  entra: { label: "Entra", headers: { ...common, "User-Agent": "Microsoft Entra ID SCIM Client" } },
  // A plain SCIM client (no identity provider's User-Agent): for reads any client may make.
  generic: { label: "Any client", headers: common },
  // Not a SCIM client: the platform's floor.
  none: { label: null, headers: { Authorization: `Bearer ${SCIM_TOKEN}` } },
};

export const patchOp = (...operations) => ({ schemas: [PATCH_OP], Operations: operations });

/** Okta writes filters with %20 for spaces; Entra with `+` (both arrive, clients.md). */
export const oktaFilter = (filter) => encodeURIComponent(filter);
export const entraFilter = (filter) => encodeURIComponent(filter).replaceAll("%20", "+");

/** Okta's group PATCHes: a replace of the name (with the group's id inside) goes with every membership change. */
export const okta = {
  renameOp: (groupId, displayName) => ({ op: "replace", value: { id: groupId, displayName } }),
  addMembersOp: (members) => ({
    op: "add",
    path: "members",
    value: members.map(([value, display]) => ({ value, display })),
  }),
  removeMemberOp: (id) => ({ op: "remove", path: `members[value eq "${id}"]` }),
};

/** Entra's group PATCHes: capitalised ops, `$ref: null`, removal by a value list. */
export const entra = {
  addMembersOp: (ids) => ({ op: "Add", path: "members", value: ids.map((value) => ({ $ref: null, value })) }),
  removeMembersOp: (ids) => ({ op: "Remove", path: "members", value: ids.map((value) => ({ $ref: null, value })) }),
};
