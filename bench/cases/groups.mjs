// Groups, as Okta pushes them and Entra matches and fills them, on groups of 10, 10,000 and 100,000 members.

import { entra, entraFilter, okta, patchOp } from "../lib/clients.mjs";
import { scimPath } from "../lib/env.mjs";

const SIZES = [
  [10, "10-member group"],
  [10_000, "10,000-member group"],
  [100_000, "100,000-member group"],
];
/** Requests of the 256-member cases at concurrency 1 and 16: 90 × 256 = 23,040 members of the pool. */
const BULK = { 1: 30, 16: 60 };

function sizeCases(tenant, size, label) {
  const { orgId, members, pool } = tenant;
  const group = tenant.groups[size];
  const path = scimPath(orgId, `/Groups/${group.id}`);
  const member = (i) => pool[i % pool.length];
  const bulk = (i) => pool.slice(i * 256, (i + 1) * 256);
  const withName = (index) => [members[index], tenant.userName(index)];
  const patch = (...operations) => ({ method: "PATCH", path, body: patchOp(...operations) });
  return {
    add: {
      client: "okta",
      name: `PATCH add 1 member [${label}]`,
      make: (i) => patch(okta.renameOp(group.id, group.name), okta.addMembersOp([withName(member(i))])),
    },
    remove: {
      client: "okta",
      name: `PATCH remove 1 member [${label}]`,
      make: (i) => patch(okta.renameOp(group.id, group.name), okta.removeMemberOp(members[member(i)])),
    },
    entraAdd: {
      client: "entra",
      name: `PATCH add 1 member [${label}]`,
      make: (i) => patch(entra.addMembersOp([members[member(i)]])),
    },
    entraRemove: {
      client: "entra",
      name: `PATCH remove 1 member [${label}]`,
      make: (i) => patch(entra.removeMembersOp([members[member(i)]])),
    },
    add256: {
      client: "okta",
      name: `PATCH add 256 members [${label}]`,
      amounts: BULK,
      overBaseline: null,
      make: (i) => patch(okta.renameOp(group.id, group.name), okta.addMembersOp(bulk(i).map(withName))),
    },
    // Takes the 256-member additions back out, so the next group size starts from the same pool.
    remove256: {
      client: "entra",
      name: `PATCH remove 256 members [${label}]`,
      amounts: BULK,
      overBaseline: null,
      make: (i) => patch(entra.removeMembersOp(bulk(i).map((index) => members[index]))),
    },
    rename: {
      client: "okta",
      name: `PATCH rename [${label}]`,
      make: (i) => patch(okta.renameOp(group.id, `${group.name} ${i}`)),
    },
  };
}

function build(seed) {
  const tenant = seed.tenants.groups;
  const bySize = Object.fromEntries(SIZES.map(([size, label]) => [size, sizeCases(tenant, size, label)]));
  const everyone = tenant.groups[100_000];
  const small = seed.tenants["1k"];
  const reads = {
    // Okta's group import, first page: 100 groups with their members.
    oktaImport: {
      client: "okta",
      name: "GET /Groups?startIndex=1&count=100 [1,000 groups]",
      make: () => ({ path: scimPath(small.orgId, "/Groups?startIndex=1&count=100") }),
    },
    // Entra's matching before it creates a group, and its read of one without members.
    entraMatch: {
      client: "entra",
      name: "GET /Groups?excludedAttributes=members&filter=displayName eq [1,000 groups]",
      make: (i) => ({
        path: scimPath(
          small.orgId,
          `/Groups?excludedAttributes=members&filter=${entraFilter(`displayName eq "${small.groups[(i * 7919) % 1_000].name}"`)}`,
        ),
      }),
    },
    entraRead: {
      client: "entra",
      name: "GET /Groups/{id}?excludedAttributes=members [100,000-member group]",
      make: () => ({ path: scimPath(tenant.orgId, `/Groups/${everyone.id}?excludedAttributes=members`) }),
    },
  };
  return { bySize, reads, tenant };
}

let built;
const cases = (seed) => (built ??= build(seed));

export default {
  cases: (seed) => {
    const { bySize, reads } = cases(seed);
    const order = ["add", "remove", "entraAdd", "entraRemove", "add256", "remove256", "rename"];
    return [...Object.values(reads), ...SIZES.flatMap(([size]) => order.map((key) => bySize[size][key]))];
  },
  // The whole 100,000-member group: time to the last byte, size, and the worker's memory meanwhile.
  sequential: (seed) => {
    const { tenant } = cases(seed);
    const read = (size, query, client) => ({
      client,
      name: `GET /Groups/{id}${query} [${size.toLocaleString("en")}-member group]`,
      make: () => ({ path: scimPath(tenant.orgId, `/Groups/${tenant.groups[size].id}${query}`) }),
    });
    return [
      read(10_000, "", "generic"),
      read(100_000, "", "generic"),
      read(100_000, "?excludedAttributes=members", "entra"),
    ];
  },
  targets: (seed) => {
    const { bySize } = cases(seed);
    const [ten, tenThousand, hundredThousand] = SIZES.map(([size]) => bySize[size]);
    const flat = (key, big) => ({ case: big[key], over: ten[key], limit: 1.3 });
    return [
      // Cost does not follow the group's size.
      ...["add", "remove", "entraAdd", "entraRemove"].flatMap((key) => [
        flat(key, tenThousand),
        flat(key, hundredThousand),
      ]),
      flat("add256", hundredThousand),
      flat("rename", hundredThousand),
      // 256 rows in one atomic batch: at most 10 one-member adds.
      ...[ten, tenThousand, hundredThousand].map((cases) => ({ case: cases.add256, over: cases.add, limit: 10 })),
    ];
  },
};
