// The worker under test: `wrangler dev` on the seeded state, its log lines, and its memory.

import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { ADMIN_TOKEN, BASE, env, PORT, STATE } from "./env.mjs";

/** `vars`: worker variables of this run, e.g. `{ SCIM_REQUEST_LOG: "off" }`. */
export async function startWorker(vars = {}) {
  const child = spawn(
    "npx",
    [
      "wrangler",
      "dev",
      "--port",
      String(PORT),
      "--ip",
      "127.0.0.1",
      "--persist-to",
      STATE,
      "--var",
      `ADMIN_TOKEN:${ADMIN_TOKEN}`,
      // One tenant driven far beyond any identity provider: 100 × the per-tenant rate limit (README).
      "--var",
      "TENANT_RATE_LIMIT_SCALE:100",
      ...Object.entries(vars).flatMap(([name, value]) => ["--var", `${name}:${value}`]),
      "--log-level",
      "log",
    ],
    { env, stdio: ["ignore", "pipe", "inherit"], detached: true },
  );
  // The worker's console lines, kept for the activity consumer's own batch timings.
  child.lines = [];
  let partial = "";
  child.stdout.on("data", (chunk) => {
    const lines = (partial + chunk.toString()).split("\n");
    partial = lines.pop();
    for (const line of lines) if (line.includes("activity_batch_written")) child.lines.push(line);
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

export function stopWorker(worker) {
  process.kill(-worker.pid);
}

/** The workerd process `wrangler dev` started (it runs the worker and its local D1). */
export function workerdPid(worker) {
  const children = new Map();
  for (const entry of readdirSync("/proc").filter((e) => /^\d+$/.test(e))) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8").trim();
      const [, comm, rest] = /^\d+ \((.*)\) (.*)$/.exec(stat);
      const parent = Number(rest.split(" ")[1]);
      children.set(parent, [...(children.get(parent) ?? []), { pid: Number(entry), comm }]);
    } catch {} // the process ended meanwhile
  }
  const queue = [worker.pid];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift()) ?? []) {
      if (child.comm === "workerd") return child.pid;
      queue.push(child.pid);
    }
  }
  return undefined;
}

/** Resident memory of a process in MiB (VmRSS), or undefined when /proc is not there. */
export function residentMiB(pid) {
  try {
    const kib = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))[1];
    return Number(kib) / 1024;
  } catch {
    return undefined;
  }
}

export async function queueDrained(worker) {
  for (let seen = -1; seen !== worker.lines.length; ) {
    seen = worker.lines.length;
    await new Promise((r) => setTimeout(r, 3000)); // longer than the queue's batch timeout
  }
}

/**
 * The consumer logs each batch's size (activity entries and SCIM request records) and D1 write
 * time; throughput over the full batches of 100.
 */
export async function consumerThroughput(worker) {
  await new Promise((r) => setTimeout(r, 4000)); // the last batch timeout
  const batches = worker.lines.map((line) => JSON.parse(line.slice(line.indexOf("{"))));
  const size = (b) => b.size ?? (b.entries ?? 0) + (b.scimRequests ?? 0);
  const full = batches.filter((b) => size(b) === 100);
  const entries = full.reduce((n, b) => n + size(b), 0);
  const seconds = full.reduce((n, b) => n + b.durationMs, 0) / 1000;
  return { batchesOf100: full.length, entries, entriesPerSecond: seconds > 0 ? Math.round(entries / seconds) : null };
}
