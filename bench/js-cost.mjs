// `node bench/js-cost.mjs`: the CPU the worker's own JavaScript spends per request, apart from the
// runtime. The deployable bundle (`wrangler deploy --dry-run`) runs in Node on an in-process SQLite
// behind a D1-shaped handle, with instant rate limiters and queue: what is left is our code (routing,
// middleware, token check, drizzle's query building and mapping, valibot, rendering, the request log
// record) plus SQLite itself. CPU time of this one process, so a loaded machine changes it far less
// than the wall-clock figures of `npm run bench`. Run it beside the bench: when a case costs
// several ms more than the baseline there and well under one here, the difference is in wrangler
// dev's local bindings (D1, the rate limiter, the queue), not in the worker. See bench/README.md.

import { createHash, randomUUID, timingSafeEqual } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { pathToFileURL } from "node:url";
import { CLIENTS, patchOp } from "./lib/clients.mjs";
import { SCIM_TOKEN, STATE, USER_SCHEMA, wrangler } from "./lib/env.mjs";

const ROUNDS = 5;
const REQUESTS = Number(process.env.JS_COST_REQUESTS ?? 2000);
const MEMBERS = 1000;
const OUT = join(STATE, "js-cost");

/** A D1 statement over node:sqlite: what drizzle calls (bind, all, raw, first, run) and batch's unit. */
class Statement {
  constructor(sqlite, query, params = []) {
    Object.assign(this, { sqlite, query, params });
  }
  bind(...params) {
    return new Statement(this.sqlite, this.query, params);
  }
  rows() {
    return this.sqlite.prepare(this.query).all(...this.params.map((p) => (typeof p === "boolean" ? Number(p) : p)));
  }
  async all() {
    return { results: this.rows(), success: true, meta: {} };
  }
  async run() {
    return this.all();
  }
  async first(column) {
    const row = this.rows()[0];
    return row === undefined ? null : column ? row[column] : row;
  }
  async raw() {
    return this.rows().map((row) => Object.values(row));
  }
}

/** D1's batch is atomic: one SQLite transaction. */
function d1(sqlite) {
  return {
    prepare: (query) => new Statement(sqlite, query),
    async batch(statements) {
      sqlite.exec("BEGIN");
      try {
        const results = statements.map((s) => ({ results: s.rows(), success: true, meta: {} }));
        sqlite.exec("COMMIT");
        return results;
      } catch (error) {
        sqlite.exec("ROLLBACK");
        throw error;
      }
    },
  };
}

/** An in-memory SQLite with the migrations of `dir` applied. */
function migrated(dir) {
  const sqlite = new DatabaseSync(":memory:");
  const files = readdirSync(dir).filter((f) => f.endsWith(".sql"));
  for (const file of files.sort()) {
    for (const statement of readFileSync(join(dir, file), "utf8").split("--> statement-breakpoint")) {
      if (statement.trim()) sqlite.exec(statement);
    }
  }
  return sqlite;
}

/** Shard 0 with one organization, SCIM on (the bench's token), and MEMBERS provisioned members. */
function seededShard() {
  const sqlite = migrated("drizzle");
  const at = new Date(Date.UTC(2026, 0, 1)).toISOString();
  const hash = createHash("sha256").update(SCIM_TOKEN).digest("hex");
  sqlite
    .prepare(
      `INSERT INTO organizations (id, name, licenses, scim_enabled, scim_provider, scim_token_hash,
       scim_token_created_at, created_at, updated_at) VALUES ('js-cost', 'JS cost', ?, 1, 'okta', ?, ?, ?, ?)`,
    )
    .run(MEMBERS * 10, hash, at, at, at);
  // The deprovisioning safeguard armed, counting every deactivation, holding none: the rounds deactivate
  // and reactivate the same members again and again, so its window allows far more than there are.
  sqlite.exec(
    "INSERT INTO safeguards (org_id, enabled, threshold_percent, minimum_members) VALUES ('js-cost', 1, 100, 1000000)",
  );
  const insert = sqlite.prepare(
    `INSERT INTO members (id, org_id, user_name, user_name_lower, email, email_lower, active, source,
     provisioned, document, created_at, updated_at) VALUES (?, 'js-cost', ?, ?, ?, ?, 1, 'okta', 1, ?, ?, ?)`,
  );
  const members = Array.from({ length: MEMBERS }, (_, i) => {
    const id = randomUUID();
    const name = `member${i}@js-cost.test`;
    const document = JSON.stringify({
      schemas: [USER_SCHEMA],
      userName: name,
      name: { givenName: "Bench", familyName: `M${i}` },
      emails: [{ value: name, type: "work", primary: true }],
    });
    insert.run(id, name, name, name, name, document, at, at);
    return id;
  });
  return { sqlite, members };
}

/** The deployable bundle, with `cloudflare:workers` (its env and waitUntil) served by this process. */
async function loadWorker(env, waits) {
  wrangler("deploy", "--dry-run", "--outdir", OUT);
  globalThis.__jsCost = { env, waitUntil: (promise) => waits.push(promise) };
  const stub = join(OUT, "cloudflare-workers.mjs");
  writeFileSync(
    stub,
    "export const env = globalThis.__jsCost.env;\nexport const waitUntil = globalThis.__jsCost.waitUntil;\n",
  );
  const bundle = readFileSync(join(OUT, "index.js"), "utf8").replaceAll(
    '"cloudflare:workers"',
    JSON.stringify(pathToFileURL(resolve(stub)).href),
  );
  writeFileSync(join(OUT, "worker.mjs"), bundle);
  return (await import(pathToFileURL(resolve(OUT, "worker.mjs")).href)).default;
}

async function main() {
  mkdirSync(OUT, { recursive: true });
  // workerd's crypto.subtle has timingSafeEqual; Node's has not.
  crypto.subtle.timingSafeEqual ??= (a, b) => timingSafeEqual(new Uint8Array(a), new Uint8Array(b));
  const { sqlite, members } = seededShard();
  let queued = 0;
  const env = {
    // An organization id without a shard prefix lives on shard 0.
    DB_SHARD_0: d1(sqlite),
    DB_CONTROL: d1(migrated("drizzle-control")),
    ADMIN_TOKEN: "js-cost-admin-token",
    ACTIVITY_RETENTION_DAYS: "365",
    SCIM_LOG_RETENTION_DAYS: "30",
    ACTIVITY_QUEUE: {
      sendBatch: async (batch) => {
        queued += batch.length;
      },
    },
    TENANT_RATE_LIMIT: { limit: async () => ({ success: true }) },
    AUTH_FAILURE_RATE_LIMIT: { limit: async () => ({ success: true }) },
  };
  const waits = [];
  const worker = await loadWorker(env, waits);
  const ctx = { waitUntil: (promise) => waits.push(promise), passThroughOnException() {}, props: {} };
  const user = (i) => `http://js-cost.test/scim/v2/js-cost/Users/${members[(i * 7919) % MEMBERS]}`;
  const cases = {
    "baseline: GET /health": () => new Request("http://js-cost.test/health", { headers: CLIENTS.none.headers }),
    "Okta: GET /Users/{id}": (i) => new Request(user(i), { headers: CLIENTS.okta.headers }),
    // Every request a real change: members alternate between deactivated and reactivated, round by round.
    "Okta: PATCH /Users/{id} deactivate": (i) =>
      new Request(user(i), {
        method: "PATCH",
        headers: CLIENTS.okta.headers,
        body: JSON.stringify(patchOp({ op: "replace", value: { active: Math.floor(i / MEMBERS) % 2 === 1 } })),
      }),
  };
  const counters = new Map();
  async function run(name, count) {
    for (let n = 0; n < count; n++) {
      const i = counters.get(name) ?? 0;
      counters.set(name, i + 1);
      const response = await worker.fetch(cases[name](i), env, ctx);
      const body = await response.text();
      if (!response.ok) throw new Error(`${name} ${i}: ${response.status} ${body}`);
      await Promise.all(waits.splice(0));
    }
  }
  // The request log lines go to the console: counted, not printed.
  const log = console.log;
  let lines = 0;
  console.log = () => {
    lines++;
  };
  const perRequest = Object.fromEntries(Object.keys(cases).map((name) => [name, []]));
  try {
    for (const name of Object.keys(cases)) await run(name, 500); // warm up: the JIT, SQLite's caches
    for (let round = 0; round < ROUNDS; round++) {
      for (const name of Object.keys(cases)) {
        const before = process.cpuUsage();
        await run(name, REQUESTS);
        const used = process.cpuUsage(before);
        perRequest[name].push((used.user + used.system) / 1000 / REQUESTS);
      }
    }
  } finally {
    console.log = log;
  }
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const load = readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
  console.log(`worker JS + SQLite, CPU ms per request (median of ${ROUNDS} rounds of ${REQUESTS}; load ${load})`);
  for (const [name, values] of Object.entries(perRequest)) {
    const spread = values.map((v) => v.toFixed(3)).join(" ");
    console.log(`  ${name.padEnd(40)} ${median(values).toFixed(3)}  [${spread}]`);
  }
  console.log(`  (${lines} log lines, ${queued} queue messages)`);
}

await main();
