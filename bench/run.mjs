// `npm run bench`: seeds a local D1 in bulk, starts `wrangler dev` on it, replays what Okta and Entra
// send (bench/lib/clients.mjs) with autocannon at concurrency 1 and 16, measures the big reads one
// by one (time, size, the worker's memory), prints one table plus the ratios that matter, and writes
// the same figures to bench/results.json (see bench/README.md). Not part of `npm test` or CI.
//
// Cases live in bench/cases/*.mjs, one module per area, each exporting any of:
//   cases(seed)       latency cases (see bench/lib/load.mjs for their shape), run in order;
//   sequential(seed)  cases measured one request at a time: time to the last byte, size, memory;
//   targets(seed)     ratios of p50 at concurrency 1: { case, over, limit } (case descriptors);
//   after             [{ name, run({ seed, worker }) → { key, result, lines, checks } }], run once the
//                     activity queue has drained (walks such as Okta's import);
//   requestLogOff(seed)  latency cases run last, on a worker restarted with SCIM_REQUEST_LOG=off
//                     (the same requests with and without the SCIM request log, compared by targets).
// BENCH_ONLY=<regular expression> runs only the cases (and walks) whose name matches it.

import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import groups from "./cases/groups.mjs";
import oktaImport from "./cases/import.mjs";
import lists from "./cases/lists.mjs";
import requestLog from "./cases/request-log.mjs";
import safeguard from "./cases/safeguard.mjs";
import users from "./cases/users.mjs";
import { BASE, STATE, wrangler } from "./lib/env.mjs";
import { caseName, measureSequential, runCase } from "./lib/load.mjs";
import { seed as seedDatabase } from "./lib/seed.mjs";
import { consumerThroughput, queueDrained, startWorker, stopWorker } from "./lib/worker.mjs";

const MODULES = [users, groups, oktaImport, requestLog, lists, safeguard];

const baseline = {
  client: "none",
  name: "baseline: GET /health",
  overBaseline: null,
  make: () => ({ path: "/health" }),
};
const only = process.env.BENCH_ONLY ? new RegExp(process.env.BENCH_ONLY) : undefined;
const selected = (name) => !only || only.test(name);

function bundleSize() {
  const out = join(STATE, "dist");
  const text = wrangler("deploy", "--dry-run", "--outdir", out);
  const files = readdirSync(out).filter((f) => f.endsWith(".js"));
  const raw = files.reduce((n, f) => n + readFileSync(join(out, f)).length, 0);
  const gzip = files.reduce((n, f) => n + gzipSync(readFileSync(join(out, f))).length, 0);
  const reported = /Total Upload: ([\d.]+ KiB) \/ gzip: ([\d.]+ KiB)/.exec(text);
  return {
    rawKiB: +(raw / 1024).toFixed(1),
    gzipKiB: +(gzip / 1024).toFixed(1),
    wranglerReports: reported ? `${reported[1]} / gzip ${reported[2]}` : null,
  };
}

function printTable(header, lines) {
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const line = (cells) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  console.log(line(header));
  for (const l of lines) console.log(line(l));
}

const kib = (bytes) => (bytes >= 10_240 ? `${(bytes / 1024).toFixed(0)} KiB` : `${bytes} B`);

/**
 * The targets, on p50 at concurrency 1, each also on the mean: autocannon's p50 is whole
 * milliseconds, and the mean tells a real miss from a rounding step. Cases with extras are refused.
 */
function ratios(rows, targets) {
  const at1 = new Map(rows.filter((r) => r.concurrency === 1).map((r) => [r.case, r]));
  const base = at1.get(caseName(baseline));
  const checks = [];
  const check = (name, a, b, limit) => {
    if (!a || !b) return checks.push({ name, skipped: true, limit });
    if (a.extra || b.extra) throw new Error(`${name}: a case with extras cannot be a target`);
    checks.push({
      name,
      value: +(a.p50 / b.p50).toFixed(2),
      onMean: +(a.mean / b.mean).toFixed(2),
      limit,
      // A request that failed or timed out is a miss whatever the ratio.
      ok: a.p50 / b.p50 <= limit && a.failures === 0 && b.failures === 0,
    });
  };
  for (const [name, row] of at1) if (row.overBaseline) check(`${name} / baseline`, row, base, row.overBaseline);
  for (const t of targets) {
    const [a, b] = [caseName(t.case), caseName(t.over)];
    check(t.name ?? `${a} / ${b}`, at1.get(a), at1.get(b), t.limit);
  }
  return checks;
}

async function main() {
  const seed = seedDatabase();
  const bundle = bundleSize();
  let worker = await startWorker();
  try {
    const rows = [];
    for (const c of [baseline, ...MODULES.flatMap((m) => m.cases?.(seed) ?? [])]) {
      if (c === baseline || selected(caseName(c))) rows.push(...(await runCase(c)));
    }
    const measured = [];
    for (const c of MODULES.flatMap((m) => m.sequential?.(seed) ?? [])) {
      if (selected(caseName(c))) measured.push(await measureSequential(worker, c));
    }
    // Let the activity consumer finish the writes queued above, so the walks run on their own.
    await queueDrained(worker);
    const walks = [];
    for (const walk of MODULES.flatMap((m) => m.after ?? [])) {
      if (selected(walk.name)) walks.push(await walk.run({ seed, worker }));
    }
    const consumer = await consumerThroughput(worker);
    const withoutLog = MODULES.flatMap((m) => m.requestLogOff?.(seed) ?? []).filter((c) => selected(caseName(c)));
    if (withoutLog.length > 0) {
      stopWorker(worker);
      worker = await startWorker({ SCIM_REQUEST_LOG: "off" });
      for (const c of withoutLog) rows.push(...(await runCase(c)));
    }

    console.log(`\nwrangler dev on ${BASE}, autocannon, ${new Date().toISOString()}\n`);
    printTable(
      ["case", "conc", "reqs", "failed", "p50 ms", "p99 ms", "req/s", "answer"],
      rows.map((r) => [
        r.case,
        String(r.concurrency),
        String(r.requests),
        String(r.failures),
        String(r.p50),
        String(r.p99),
        String(Math.round(r.rps)),
        kib(r.bytesPerResponse),
      ]),
    );
    if (measured.length > 0) {
      console.log("\none request at a time, to the last byte (workerd's resident memory sampled every 5 ms)\n");
      printTable(
        ["case", "reqs", "median ms", "max ms", "first byte ms", "answer", "RSS peak MiB", "RSS growth MiB"],
        measured.map((m) => [
          m.case,
          String(m.requests),
          String(m.medianMs),
          String(m.maxMs),
          String(m.medianFirstByteMs),
          kib(m.bytes),
          String(m.workerdRssPeakMiB),
          String(m.workerdRssGrowthMiB),
        ]),
      );
    }
    console.log("");
    for (const walk of walks) for (const line of walk.lines) console.log(line);
    console.log(
      `activity queue consumer: ${consumer.entriesPerSecond} entries/s of D1 write time (${consumer.batchesOf100} batches of 100)`,
    );
    console.log(`bundle: ${bundle.rawKiB} KiB raw, ${bundle.gzipKiB} KiB gzip (wrangler: ${bundle.wranglerReports})`);
    const checks = [
      ...ratios(
        rows,
        MODULES.flatMap((m) => m.targets?.(seed) ?? []),
      ),
      ...walks.flatMap((w) => w.checks),
    ];
    console.log("\nratios of p50 at concurrency 1 (the same ratio on the mean in brackets)");
    for (const c of checks) {
      if (c.skipped) {
        console.log(`  --   ${c.name}: not run (target ≤ ${c.limit})`);
        continue;
      }
      const mean = c.onMean === undefined ? "" : ` [${c.onMean}]`;
      console.log(`  ${c.ok ? "ok  " : "MISS"} ${c.name}: ${c.value}${mean} (target ≤ ${c.limit})`);
    }
    writeFileSync(
      "bench/results.json",
      `${JSON.stringify(
        {
          at: new Date().toISOString(),
          cases: rows,
          measured,
          ...Object.fromEntries(walks.map((w) => [w.key, w.result])),
          consumer,
          bundle,
          ratios: checks,
        },
        null,
        2,
      )}\n`,
    );
  } finally {
    stopWorker(worker);
  }
}

await main();
