// What every part of the benchmark shares: where the worker listens, its state, its tokens.

import { execFileSync } from "node:child_process";

export const PORT = Number(process.env.BENCH_PORT ?? 8799);
export const BASE = `http://127.0.0.1:${PORT}`;
export const STATE = "bench/.state";
export const ADMIN_TOKEN = "bench-admin-token";
export const SCIM_TOKEN = "scim_bench-token";
export const USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User";
export const GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group";
export const ENTERPRISE_SCHEMA = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
export const PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
export const env = { ...process.env, WRANGLER_SEND_METRICS: "false" };

export function wrangler(...args) {
  return execFileSync("npx", ["wrangler", ...args], { env, stdio: ["ignore", "pipe", "inherit"] }).toString();
}

export const scimPath = (orgId, path) => `/scim/v2/${orgId}${path}`;
