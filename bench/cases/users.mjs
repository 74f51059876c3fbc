// Users, as Okta and Entra provision them, on a 1,000- and a 100,000-member tenant; and a user in 20 teams.

import { entraFilter, oktaFilter, patchOp } from "../lib/clients.mjs";
import { BASE, scimPath, USER_SCHEMA } from "../lib/env.mjs";

const spread = (i, size) => (i * 7919) % size;
// Okta echoes what it read, dates included, in its own format (clients.md: "non-ISO dates").
const OKTA_DATE = "Thu Jan 01 00:00:00 UTC 2026";

/** Okta's profile push: the user as it read it, `id`, `meta`, `groups` and a `password` included. */
export function oktaPut(tenant, index, i, groups) {
  const { orgId, members } = tenant;
  const name = tenant.userName(index);
  return {
    method: "PUT",
    path: scimPath(orgId, `/Users/${members[index]}`),
    body: {
      schemas: [USER_SCHEMA],
      id: members[index],
      userName: name,
      name: { givenName: `Put${i}`, familyName: `M${index}` },
      emails: [{ primary: true, value: name, type: "work" }],
      displayName: `Put${i} M${index}`,
      active: true,
      password: "Bench-password-1",
      groups: groups.map((g) => ({
        value: g.id,
        display: g.name,
        $ref: `${BASE}${scimPath(orgId, `/Groups/${g.id}`)}`,
      })),
      meta: { resourceType: "User", created: OKTA_DATE, lastModified: OKTA_DATE },
    },
  };
}

const deactivate = (tenant, index) => ({
  method: "PATCH",
  path: scimPath(tenant.orgId, `/Users/${tenant.members[index]}`),
  body: patchOp({ op: "replace", value: { active: false } }),
});

function tenantCases(label, tenant, groupsOf) {
  const { orgId, size, members } = tenant;
  const nameOf = (i) => tenant.userName(spread(i, size));
  let created = 0;
  return {
    get: {
      client: "okta",
      name: `GET /Users/{id} [${label}]`,
      make: (i) => ({ path: scimPath(orgId, `/Users/${members[spread(i, size)]}`) }),
    },
    lookup: {
      client: "okta",
      name: `GET /Users?filter=userName eq [${label}]`,
      make: (i) => ({
        path: scimPath(orgId, `/Users?filter=${oktaFilter(`userName eq "${nameOf(i)}"`)}&startIndex=1&count=100`),
      }),
    },
    emailMatch: {
      client: "entra",
      name: `GET /Users?filter=emails[type eq "work"].value eq [${label}]`,
      make: (i) => ({
        path: scimPath(orgId, `/Users?filter=${entraFilter(`emails[type eq "work"].value eq "${nameOf(i)}"`)}`),
      }),
    },
    latePage: {
      client: "okta",
      name: `GET /Users late page (count=100) [${label}]`,
      make: () => ({ path: scimPath(orgId, `/Users?startIndex=${size - 99}&count=100`) }),
    },
    post: {
      client: "okta",
      name: `POST /Users [${label}]`,
      make: () => {
        const userName = `new-${label}-${created++}@bench.test`;
        return {
          method: "POST",
          path: scimPath(orgId, "/Users"),
          body: {
            schemas: [USER_SCHEMA],
            userName,
            name: { givenName: "New", familyName: "User" },
            emails: [{ primary: true, value: userName, type: "work" }],
            displayName: "New User",
            locale: "en-US",
            externalId: `okta-${label}-${created}`,
            password: "Bench-password-1",
            active: true,
            groups: [],
          },
        };
      },
    },
    deactivate: {
      client: "okta",
      name: `PATCH /Users/{id} deactivate [${label}]`,
      make: (i) => deactivate(tenant, spread(i, size)),
    },
    put: {
      client: "okta",
      name: `PUT /Users/{id} [${label}]`,
      make: (i) => oktaPut(tenant, spread(i, size), i, groupsOf(spread(i, size))),
    },
  };
}

function build(seed) {
  const small = seed.tenants["1k"];
  const large = seed.tenants["100k"];
  const perTenant = {
    "1k": tenantCases("1k", small, (index) => [small.groups[index]]),
    "100k": tenantCases("100k", large, () => []),
  };
  const inTeams = large.inTwentyTeams;
  const teamMember = {
    deactivate: {
      client: "okta",
      name: "PATCH /Users/{id} deactivate [member of 20 teams]",
      make: (i) => deactivate(large, inTeams[spread(i, inTeams.length)]),
    },
    put: {
      client: "okta",
      name: "PUT /Users/{id} [member of 20 teams]",
      make: (i) => oktaPut(large, inTeams[spread(i, inTeams.length)], i, large.twentyTeams),
    },
  };
  return { perTenant, teamMember };
}

let built;
const cases = (seed) => (built ??= build(seed));

export default {
  cases: (seed) => {
    const { perTenant, teamMember } = cases(seed);
    return [...Object.values(perTenant["1k"]), ...Object.values(perTenant["100k"]), ...Object.values(teamMember)];
  },
  targets: (seed) => {
    const { perTenant, teamMember } = cases(seed);
    return [
      // No scans, no OFFSET walks: the same request costs the same on a tenant 100 times larger.
      ...Object.keys(perTenant["1k"]).map((key) => ({
        case: perTenant["100k"][key],
        over: perTenant["1k"][key],
        limit: 1.3,
      })),
      // A user's teams are read in the same statement: 20 of them cost what one does.
      { case: teamMember.deactivate, over: perTenant["1k"].deactivate, limit: 1.3 },
      { case: teamMember.put, over: perTenant["1k"].put, limit: 1.3 },
    ];
  },
};
