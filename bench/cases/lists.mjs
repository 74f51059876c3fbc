// Sorted lists and cursor paging (RFC 7644 §3.4.2.3, RFC 9865) on the 100,000-member tenant: sorted
// first and deep pages against the unsorted ones, and a cursor walk of every user.

import { CLIENTS } from "../lib/clients.mjs";
import { BASE, scimPath } from "../lib/env.mjs";

const UNINDEXED = encodeURIComponent('name.givenName co "x"');

function build(seed) {
  const { orgId, size } = seed.tenants["100k"];
  const page = (name, query, client = "generic") => ({
    client,
    name: `${name} [100k]`,
    make: () => ({ path: scimPath(orgId, `/Users?${query}`) }),
  });
  const deep = size - 99;
  return {
    first: page("GET /Users first page (count=100)", "startIndex=1&count=100", "okta"),
    late: page("GET /Users late page (count=100)", `startIndex=${deep}&count=100`, "okta"),
    sortedFirst: page("GET /Users?sortBy=userName first page", "sortBy=userName&startIndex=1&count=100"),
    sortedDeep: page("GET /Users?sortBy=userName deep page", `sortBy=userName&startIndex=${deep}&count=100`),
    familyFirst: page(
      "GET /Users?sortBy=name.familyName descending first page",
      "sortBy=name.familyName&sortOrder=descending&startIndex=1&count=100",
    ),
    familyDeep: page(
      "GET /Users?sortBy=name.familyName descending deep page",
      `sortBy=name.familyName&sortOrder=descending&startIndex=${deep}&count=100`,
    ),
    // A filter no index serves reads every document: run on the 1,000-member tenant, refused (400) on 100,000.
    unindexedSmall: {
      client: "generic",
      name: 'GET /Users?filter=name.givenName co "x" (no index) [1k]',
      make: () => ({ path: scimPath(seed.tenants["1k"].orgId, `/Users?filter=${UNINDEXED}`) }),
      overBaseline: null, // a scan of every document by design: shown for comparison, no target
    },
    unindexedLarge: {
      ...page('GET /Users?filter=name.givenName co "x" (no index), refused', `filter=${UNINDEXED}`),
      status: 400,
    },
  };
}

/** Every user, 100 a page, following nextCursor from an empty cursor: the keyset walk of RFC 9865. */
async function cursorWalk(orgId) {
  const pages = [];
  const seen = new Set();
  let duplicates = 0;
  let totalResults = 0;
  const started = performance.now();
  for (let cursor = ""; cursor !== undefined; ) {
    const t = performance.now();
    const response = await fetch(`${BASE}${scimPath(orgId, `/Users?count=100&cursor=${encodeURIComponent(cursor)}`)}`, {
      headers: CLIENTS.generic.headers,
    });
    const body = await response.json();
    pages.push(performance.now() - t);
    if (!response.ok) throw new Error(`cursor walk page ${pages.length}: ${response.status}`);
    for (const resource of body.Resources) {
      if (seen.has(resource.id)) duplicates++;
      seen.add(resource.id);
    }
    totalResults = body.totalResults;
    cursor = body.nextCursor;
  }
  const sorted = [...pages].sort((a, b) => a - b);
  const slowest = Math.max(...pages);
  return {
    users: seen.size,
    totalResults,
    duplicates,
    pages: pages.length,
    seconds: (performance.now() - started) / 1000,
    firstPageMs: pages[0],
    p50Ms: sorted[Math.floor(sorted.length / 2)],
    p99Ms: sorted[Math.floor(sorted.length * 0.99)],
    slowestPageMs: slowest,
    slowestOverFirst: slowest / pages[0],
  };
}

let built;
const cases = (seed) => (built ??= build(seed));

export default {
  // The late unsorted page is the users module's case; it is named here only as a target's reference.
  cases: (seed) => Object.values(cases(seed)).filter((c) => c !== cases(seed).late),
  targets: (seed) => {
    const c = cases(seed);
    // A sort is an index range like the creation order: sorted pages cost what unsorted ones do.
    return [
      { case: c.sortedFirst, over: c.first, limit: 1.3 },
      { case: c.familyFirst, over: c.first, limit: 1.3 },
      { case: c.sortedDeep, over: c.late, limit: 1.3 },
      { case: c.familyDeep, over: c.late, limit: 1.3 },
    ];
  },
  after: [
    {
      name: "cursor walk",
      run: async ({ seed }) => {
        const stats = await cursorWalk(seed.tenants["100k"].orgId);
        const complete = stats.users === stats.totalResults && stats.duplicates === 0;
        return {
          key: "cursor_walk",
          result: stats,
          lines: [
            `cursor walk of ${stats.users} users (totalResults ${stats.totalResults}, ${stats.duplicates} duplicates), count=100: ${stats.pages} pages in ${stats.seconds.toFixed(1)} s; first page ${stats.firstPageMs.toFixed(1)} ms, median ${stats.p50Ms.toFixed(1)} ms, p99 ${stats.p99Ms.toFixed(1)} ms, slowest ${stats.slowestPageMs.toFixed(1)} ms`,
          ],
          checks: [
            {
              name: "cursor walk: every user exactly once",
              value: stats.users,
              limit: stats.totalResults,
              ok: complete,
            },
            {
              name: "cursor walk: slowest page / first page",
              value: +stats.slowestOverFirst.toFixed(2),
              limit: 3,
              ok: stats.slowestOverFirst <= 3,
            },
          ],
        };
      },
    },
  ],
};
