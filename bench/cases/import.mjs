// Okta's import: every page of 100 users, one after the other, as its connector does.

import { CLIENTS } from "../lib/clients.mjs";
import { BASE, scimPath } from "../lib/env.mjs";

async function oktaImport(orgId) {
  const pages = [];
  const started = performance.now();
  let totalResults = 1;
  for (let startIndex = 1; startIndex <= totalResults; startIndex += 100) {
    const t = performance.now();
    const response = await fetch(`${BASE}${scimPath(orgId, `/Users?startIndex=${startIndex}&count=100`)}`, {
      headers: CLIENTS.okta.headers,
    });
    const body = await response.json();
    pages.push({ startIndex, ms: performance.now() - t });
    if (!response.ok || body.Resources.length === 0) throw new Error(`import page ${startIndex}: ${response.status}`);
    totalResults = body.totalResults;
  }
  const sorted = pages.map((p) => p.ms).sort((a, b) => a - b);
  const slowest = pages.reduce((a, b) => (b.ms > a.ms ? b : a));
  return {
    users: totalResults,
    pages: pages.length,
    seconds: (performance.now() - started) / 1000,
    firstPageMs: pages[0].ms,
    p50Ms: sorted[Math.floor(sorted.length / 2)],
    p99Ms: sorted[Math.floor(sorted.length * 0.99)],
    slowestPageMs: slowest.ms,
    slowestPageStartIndex: slowest.startIndex,
    slowestOverFirst: slowest.ms / pages[0].ms,
  };
}

export default {
  after: [
    {
      name: "Okta import",
      run: async ({ seed }) => {
        const stats = await oktaImport(seed.tenants["100k"].orgId);
        const ratio = stats.slowestOverFirst;
        return {
          key: "okta_import",
          result: stats,
          lines: [
            `Okta import of ${stats.users} users, count=100: ${stats.pages} pages in ${stats.seconds.toFixed(1)} s; first page ${stats.firstPageMs.toFixed(1)} ms, median ${stats.p50Ms.toFixed(1)} ms, p99 ${stats.p99Ms.toFixed(1)} ms, slowest ${stats.slowestPageMs.toFixed(1)} ms (startIndex ${stats.slowestPageStartIndex})`,
          ],
          checks: [{ name: "import: slowest page / first page", value: +ratio.toFixed(2), limit: 3, ok: ratio <= 3 }],
        };
      },
    },
  ],
};
