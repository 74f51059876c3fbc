// `npm run bench`: seeds a local D1 in bulk, starts `wrangler dev` on it, drives the worker over HTTP
// and prints latency figures (see bench/README.md). Not part of `npm test` or CI.
import { execFileSync, spawn } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const PORT = Number(process.env.BENCH_PORT ?? 8799);
const BASE = `http://127.0.0.1:${PORT}`;
const STATE = "bench/.state";
const ADMIN_TOKEN = "bench-admin-token";
const SCIM_TOKEN = "scim_bench-token";
const env = { ...process.env, WRANGLER_SEND_METRICS: "false" };
const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 60);

const USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User";
const PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

// ---------- seeding: bulk SQL straight into the local D1 ----------

const sqlString = (value) => (value === null ? "NULL" : `'${String(value).replaceAll("'", "''")}'`);
const stamp = (i) => new Date(Date.UTC(2026, 0, 1) + i).toISOString();

function organizationSql(id, licenses) {
  const hash = createHash("sha256").update(SCIM_TOKEN).digest("hex");
  return `INSERT INTO organizations (id, name, licenses, scim_enabled, scim_provider, scim_token_hash, scim_token_created_at, created_at, updated_at)
VALUES (${sqlString(id)}, 'Bench ${id}', ${licenses}, 1, 'okta', ${sqlString(hash)}, ${sqlString(stamp(0))}, ${sqlString(stamp(0))}, ${sqlString(stamp(0))});`;
}

function membersSql(orgId, ids, prefix) {
  const rows = ids.map((id, i) => {
    const userName = `${prefix}${i}@bench.test`;
    const document = JSON.stringify({ schemas: [USER_SCHEMA], userName, emails: [{ value: userName, type: "work", primary: true }] });
    return `(${[id, orgId, userName, userName, userName, userName, null, 1, "okta", 1, document, stamp(i), stamp(i)].map((v) => (typeof v === "number" ? v : sqlString(v))).join(", ")})`;
  });
  return chunked(rows, 100).map(
    (chunk) =>
      `INSERT INTO members (id, org_id, user_name, user_name_lower, email, email_lower, external_id, active, source, provisioned, document, created_at, updated_at) VALUES\n${chunk.join(",\n")};`,
  );
}

function teamSql(orgId, teamId, name, memberIds) {
  const team = `INSERT INTO teams (id, org_id, display_name, display_name_lower, source, provisioned, created_at, updated_at)
VALUES (${sqlString(teamId)}, ${sqlString(orgId)}, ${sqlString(name)}, ${sqlString(name.toLowerCase())}, 'okta', 1, ${sqlString(stamp(0))}, ${sqlString(stamp(0))});`;
  const rows = memberIds.map((id) => `(${sqlString(teamId)}, ${sqlString(id)}, ${sqlString(orgId)})`);
  return [team, ...chunked(rows, 500).map((chunk) => `INSERT INTO team_members (team_id, member_id, org_id) VALUES\n${chunk.join(",\n")};`)];
}

function chunked(items, size) {
  const chunks = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

function wrangler(...args) {
  execFileSync("npx", ["wrangler", ...args], { env, stdio: ["ignore", "ignore", "inherit"] });
}

function seed() {
  rmSync(STATE, { recursive: true, force: true });
  mkdirSync(STATE, { recursive: true });
  wrangler("d1", "migrations", "apply", "DB", "--local", "--persist-to", STATE);

  const orgId = "bench-groups";
  const poolSize = 300; // members outside both groups, to add and remove
  const ids = Array.from({ length: 10_000 + 10 + poolSize }, () => randomUUID());
  const bigMembers = ids.slice(0, 10_000);
  const smallMembers = ids.slice(10_000, 10_010);
  const pool = ids.slice(10_010);
  const statements = [
    organizationSql(orgId, ids.length + 2000),
    ...membersSql(orgId, ids, "member"),
    ...teamSql(orgId, "team-small", "Small", smallMembers),
    ...teamSql(orgId, "team-big", "Big", bigMembers),
    ...teamSql(orgId, "team-bulk", "Bulk", []),
  ];
  const file = join(STATE, "seed.sql");
  writeFileSync(file, statements.join("\n"));
  const started = performance.now();
  wrangler("d1", "execute", "DB", "--local", "--persist-to", STATE, "--file", file, "--yes");
  const seconds = (performance.now() - started) / 1000;
  console.log(`seeded ${ids.length} members and 3 groups in ${seconds.toFixed(1)} s`);
  return { orgId, pool };
}

// ---------- the worker under test ----------

async function startWorker() {
  const child = spawn(
    "npx",
    ["wrangler", "dev", "--port", String(PORT), "--ip", "127.0.0.1", "--persist-to", STATE, "--var", `ADMIN_TOKEN:${ADMIN_TOKEN}`, "--log-level", "log"],
    { env, stdio: ["ignore", "pipe", "inherit"], detached: true },
  );
  // The worker's console lines, kept for the consumer's own batch timings.
  child.lines = [];
  let partial = "";
  child.stdout.on("data", (chunk) => {
    const text = partial + chunk.toString();
    const lines = text.split("\n");
    partial = lines.pop();
    child.lines.push(...lines);
  });
  for (let i = 0; i < 120; i++) {
    try {
      if ((await fetch(`${BASE}/health`)).ok) return child;
    } catch {}
    await new Promise((r) => setTimeout(r, 500));
  }
  process.kill(-child.pid);
  throw new Error("wrangler dev did not start");
}

// ---------- measuring ----------

function scimRequest(orgId, path, method = "GET", body) {
  return fetch(`${BASE}/scim/v2/${orgId}${path}`, {
    method,
    headers: { Authorization: `Bearer ${SCIM_TOKEN}`, "Content-Type": "application/scim+json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

async function timed(request) {
  const started = performance.now();
  const response = await request();
  await response.arrayBuffer();
  const ms = performance.now() - started;
  if (!response.ok) throw new Error(`unexpected ${response.status}`);
  return ms;
}

function summary(name, samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { case: name, n: sorted.length, p50: at(0.5), p99: at(0.99), mean: sorted.reduce((a, b) => a + b, 0) / sorted.length };
}

const patchOp = (...operations) => ({ schemas: [PATCH_OP], Operations: operations });

async function groupMembershipCases(orgId, pool) {
  const results = [];
  for (const [team, label] of [["team-small", "10-member group"], ["team-big", "10,000-member group"]]) {
    const adds = [];
    const removes = [];
    for (let i = 0; i < ITERATIONS; i++) {
      const id = pool[i % pool.length];
      adds.push(await timed(() => scimRequest(orgId, `/Groups/${team}?excludedAttributes=members`, "PATCH", patchOp({ op: "add", path: "members", value: [{ value: id }] }))));
      removes.push(await timed(() => scimRequest(orgId, `/Groups/${team}?excludedAttributes=members`, "PATCH", patchOp({ op: "remove", path: `members[value eq "${id}"]` }))));
    }
    results.push(summary(`PATCH add 1 member, ${label}`, adds), summary(`PATCH remove 1 member, ${label}`, removes));
  }
  const bulkAdds = [];
  const members = pool.slice(0, 256).map((value) => ({ value }));
  for (let i = 0; i < Math.max(10, ITERATIONS / 4); i++) {
    bulkAdds.push(await timed(() => scimRequest(orgId, "/Groups/team-bulk?excludedAttributes=members", "PATCH", patchOp({ op: "add", path: "members", value: members }))));
    await timed(() => scimRequest(orgId, "/Groups/team-bulk?excludedAttributes=members", "PATCH", patchOp({ op: "replace", path: "members", value: [] })));
  }
  results.push(summary("PATCH add 256 members", bulkAdds));
  return results;
}

/**
 * Creates users at concurrency 16 so that activity entries reach the queue faster than the consumer's
 * batch timeout, then reads the consumer's own log lines: entries per second of D1 write time, for
 * batches of 100.
 */
async function consumerThroughput(orgId, worker) {
  const total = 1000;
  let next = 0;
  const create = async () => {
    while (next < total) {
      const i = next++;
      const userName = `consumer${i}@bench.test`;
      await timed(() => scimRequest(orgId, "/Users?attributes=id", "POST", { schemas: [USER_SCHEMA], userName }));
    }
  };
  await Promise.all(Array.from({ length: 16 }, create));
  const batches = [];
  for (let waited = 0; waited < 20_000; waited += 250) {
    batches.length = 0;
    for (const line of worker.lines) {
      const start = line.indexOf('{"event":"activity_batch_written"');
      if (start !== -1) batches.push(JSON.parse(line.slice(start)));
    }
    if (batches.reduce((n, b) => n + b.size, 0) >= total) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  const full = batches.filter((b) => b.size === 100);
  const entries = full.reduce((n, b) => n + b.size, 0);
  const seconds = full.reduce((n, b) => n + b.durationMs, 0) / 1000;
  return { batches: full.length, entries, entriesPerSecond: seconds > 0 ? entries / seconds : null };
}

async function baseline() {
  const samples = [];
  for (let i = 0; i < ITERATIONS * 2; i++) samples.push(await timed(() => fetch(`${BASE}/health`)));
  return summary("baseline: GET /health", samples);
}

// ---------- report ----------

function printTable(rows) {
  const format = (v) => (typeof v === "number" && !Number.isInteger(v) ? v.toFixed(2) : String(v));
  const header = ["case", "n", "p50 ms", "p99 ms"];
  const lines = rows.map((r) => [r.case, r.n, r.p50, r.p99].map(format));
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const line = (cells) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  console.log(line(header));
  for (const l of lines) console.log(line(l));
}

async function main() {
  const { orgId, pool } = seed();
  const worker = await startWorker();
  try {
    const base = await baseline();
    const groups = await groupMembershipCases(orgId, pool);
    const consumer = await consumerThroughput(orgId, worker);
    const rows = [base, ...groups];
    console.log(`\nwrangler dev on ${BASE}, sequential requests (concurrency 1), ${new Date().toISOString()}\n`);
    printTable(rows);
    const p50 = Object.fromEntries(rows.map((r) => [r.case, r.p50]));
    const ratios = {
      "add 1, 10,000-member / 10-member group": p50["PATCH add 1 member, 10,000-member group"] / p50["PATCH add 1 member, 10-member group"],
      "remove 1, 10,000-member / 10-member group": p50["PATCH remove 1 member, 10,000-member group"] / p50["PATCH remove 1 member, 10-member group"],
      "add 256 / add 1 (10-member group)": p50["PATCH add 256 members"] / p50["PATCH add 1 member, 10-member group"],
    };
    console.log(`\nactivity queue consumer: ${consumer.entries} entries in ${consumer.batches} batches of 100, ${consumer.entriesPerSecond?.toFixed(0)} entries/s of D1 write time`);
    console.log("\nratios of p50");
    for (const [name, value] of Object.entries(ratios)) console.log(`  ${name}: ${value.toFixed(2)}`);
    writeFileSync("bench/results.json", JSON.stringify({ at: new Date().toISOString(), cases: rows, ratios, consumer }, null, 2) + "\n");
  } finally {
    process.kill(-worker.pid);
  }
}

await main();
