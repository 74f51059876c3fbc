// Drives the worker: autocannon for latency at concurrency 1 and 16, and a sequential runner for
// requests whose answer size, time to the last byte and the worker's memory are what matter.

import autocannon from "autocannon";
import { CLIENTS } from "./clients.mjs";
import { BASE } from "./env.mjs";
import { residentMiB, workerdPid } from "./worker.mjs";

/** Requests per case: at concurrency 1 and at concurrency 16 (a case may set its own). */
export const AMOUNT = { 1: Number(process.env.BENCH_AMOUNT ?? 200), 16: Number(process.env.BENCH_AMOUNT_16 ?? 800) };
export const CONCURRENCY = [1, 16];

/**
 * A case is one kind of request as a client sends it:
 * - `name`: the operation, e.g. "PATCH add 1 member [10-member group]";
 * - `client`: "okta", "entra" or "none" (the baseline, or a request no identity provider sends);
 * - `extra`: what the case sends beyond what the client does (labelled, never used for a target);
 * - `make(i)`: the i-th request `{ method, path, body }`, i counting on across both concurrencies, so
 *   every request can differ (rotating ids, unique names, fresh members);
 * - `amounts`: requests at concurrency 1 and 16, when not the defaults;
 * - `overBaseline`: the target of its p50 over the baseline's (reads 2, writes 3), `null` for none;
 * - `status`: the answer expected when it is not a 2xx (a case that measures a refusal).
 */
export function caseName(c) {
  const label = CLIENTS[c.client].label;
  return `${label ? `${label}: ` : ""}${c.name}${c.extra ? ` [extra: ${c.extra}]` : ""}`;
}

export function defaultOverBaseline(c) {
  if (c.overBaseline !== undefined) return c.overBaseline;
  return /^(POST|PUT|PATCH|DELETE)/.test(c.name) ? 3 : 2;
}

/**
 * Runs a case at each concurrency; an answer other than 2xx (or the case's `status`, for a case
 * measuring a refusal) or a timeout (10 s) is counted as a failure.
 */
export async function runCase(c) {
  const rows = [];
  let counter = 0;
  const name = caseName(c);
  for (const connections of CONCURRENCY) {
    const amount = c.amounts?.[connections] ?? AMOUNT[connections];
    if (!amount) continue;
    const result = await autocannon({
      url: BASE,
      connections,
      amount,
      requests: [
        {
          setupRequest: (request) => {
            const { method = "GET", path, body } = c.make(counter++);
            return {
              ...request,
              method,
              path,
              headers: { ...CLIENTS[c.client].headers },
              body: body === undefined ? undefined : JSON.stringify(body),
            };
          },
        },
      ],
    });
    const unexpected = c.status
      ? result.requests.total - (result.statusCodeStats[c.status]?.count ?? 0)
      : result.non2xx;
    const failures = unexpected + result.errors + result.timeouts;
    if (failures > 0) console.error(`${name}: ${failures} failed requests: ${JSON.stringify(result.statusCodeStats)}`);
    rows.push({
      case: name,
      client: c.client,
      extra: c.extra ?? null,
      overBaseline: defaultOverBaseline(c),
      concurrency: connections,
      requests: result.requests.total,
      failures,
      p50: result.latency.p50,
      p99: result.latency.p99,
      mean: result.latency.mean,
      rps: result.requests.average,
      // Bytes read per answer, status line and headers included.
      bytesPerResponse: Math.round(result.throughput.total / result.requests.total),
    });
    const last = rows.at(-1);
    console.error(
      `  ${name} @${connections}: p50 ${last.p50} ms, p99 ${last.p99} ms${failures ? `, ${failures} FAILED` : ""}`,
    );
  }
  return rows;
}

/**
 * Sends `count` requests one after the other, reading each answer to its last byte, while sampling
 * the workerd process's resident memory every 5 ms: time, size, and the memory the answer took
 * (the peak during the request over the level just before it).
 */
export async function measureSequential(worker, c, count = 5) {
  const pid = workerdPid(worker);
  const samples = [];
  for (let i = 0; i < count; i++) {
    const { method = "GET", path, body } = c.make(i);
    const before = pid ? residentMiB(pid) : undefined;
    let peak = before;
    const timer = setInterval(() => {
      const now = residentMiB(pid);
      if (now !== undefined && now > peak) peak = now;
    }, 5);
    const started = performance.now();
    const response = await fetch(`${BASE}${path}`, {
      method,
      headers: CLIENTS[c.client].headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const firstByteMs = performance.now() - started;
    const bytes = (await response.arrayBuffer()).byteLength;
    const ms = performance.now() - started;
    clearInterval(timer);
    if (!response.ok) throw new Error(`${caseName(c)}: ${response.status}`);
    samples.push({ ms, firstByteMs, bytes, rssBeforeMiB: before, rssPeakMiB: peak });
  }
  const sorted = samples.map((s) => s.ms).sort((a, b) => a - b);
  const growth = samples.filter((s) => s.rssPeakMiB !== undefined).map((s) => s.rssPeakMiB - s.rssBeforeMiB);
  return {
    case: caseName(c),
    client: c.client,
    extra: c.extra ?? null,
    requests: count,
    medianMs: +sorted[Math.floor(sorted.length / 2)].toFixed(1),
    maxMs: +sorted[sorted.length - 1].toFixed(1),
    medianFirstByteMs: +samples
      .map((s) => s.firstByteMs)
      .sort((a, b) => a - b)
      [Math.floor(samples.length / 2)].toFixed(1),
    bytes: samples[0].bytes,
    workerdRssPeakMiB: growth.length ? +Math.max(...samples.map((s) => s.rssPeakMiB)).toFixed(1) : null,
    workerdRssGrowthMiB: growth.length ? +Math.max(...growth).toFixed(1) : null,
  };
}
