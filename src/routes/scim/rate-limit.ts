import type { Context } from "hono";
import type { AppEnv } from "../../env";
import { ScimError } from "../../scim/errors";
import { isInternalRequest } from "./internal-requests";

/** The windows of the two limits in wrangler.toml ([[ratelimits]] simple.period): how long to wait. */
const TENANT_WINDOW_SECONDS = 10;
const AUTH_FAILURE_WINDOW_SECONDS = 60;

const MAX_BLOCKED_CLIENTS = 10_000;
/** Clients over their failed-authentication limit, until when (ms), in this isolate. */
const blockedClients = new Map<string, number>();

function tooManyRequests(c: Context, seconds: number, detail: string): ScimError {
  // Okta and Entra back off and retry on 429 with an integer Retry-After.
  c.header("Retry-After", String(seconds));
  return new ScimError(429, detail);
}

/**
 * Failed authentications are counted per client address and tenant: identity providers send from
 * shared egress addresses, and one organization's stale token must not lock every other
 * organization provisioned from the same address out. The address is Cloudflare's edge header,
 * absent only off Cloudflare (local dev, tests).
 */
function clientKey(c: Context): string | undefined {
  const ip = c.req.header("CF-Connecting-IP");
  return ip ? `${c.req.param("orgId")} ${ip}` : undefined;
}

/** Round-robin over TENANT_RATE_LIMIT_SCALE keys: the limit becomes that many times the binding's. */
let turn = 0;
function scaled(c: Context<AppEnv>, key: string): string {
  const scale = Math.max(1, Math.floor(Number(c.env.TENANT_RATE_LIMIT_SCALE ?? 1)) || 1);
  turn = (turn + 1) % scale;
  return scale === 1 ? key : `${key}#${turn}`;
}

/**
 * Starts counting a request against its tenant's rate (TENANT_RATE_LIMIT), alongside the tenant
 * check rather than after it. The key is the tenant and a digest of the presented token: a tenant
 * has one valid token, so its requests share one budget, while requests with any other token count
 * on keys of their own and cannot spend it. The operations of a /Bulk request are not counted
 * again (the request was), nor are a request's later re-reads (a PATCH retrying). A limiter that
 * fails lets the request through.
 */
export function startCountingTenantRequest(
  c: Context<AppEnv>,
  orgId: string,
  presentedHash: Promise<string>,
): Promise<boolean> | undefined {
  if (isInternalRequest(c.req.raw) || c.get("organization")) return undefined;
  return (async () => {
    const digest = (await presentedHash).slice(0, 32);
    const { success } = await c.env.TENANT_RATE_LIMIT.limit({ key: scaled(c, `${orgId}:${digest}`) });
    return success;
  })().catch(() => true);
}

/** Refuses the request if its count went beyond the tenant's rate; called once the token is verified. */
export async function requireWithinTenantRate(c: Context, counting: Promise<boolean> | undefined): Promise<void> {
  if (counting && !(await counting)) {
    throw tooManyRequests(
      c,
      TENANT_WINDOW_SECONDS,
      "Too many requests for this tenant: retry after the number of seconds in Retry-After.",
    );
  }
}

/**
 * A client over its failed-authentication limit is refused before its token is even looked at,
 * so a token cannot be guessed at speed. This isolate remembers the client until the window ends.
 */
export function refuseBlockedClient(c: Context<AppEnv>): void {
  const key = clientKey(c);
  const until = key ? blockedClients.get(key) : undefined;
  if (until === undefined) return;
  if (until <= Date.now()) {
    blockedClients.delete(key!);
    return;
  }
  throw tooManyRequests(c, Math.ceil((until - Date.now()) / 1000), "Too many failed authentications from this client.");
}

/** Counts a failed authentication against the client's address at this tenant (AUTH_FAILURE_RATE_LIMIT); beyond it, 429. */
export async function limitFailedAuthentication(c: Context<AppEnv>): Promise<void> {
  const key = clientKey(c);
  if (!key) return;
  const { success } = await c.env.AUTH_FAILURE_RATE_LIMIT.limit({ key });
  if (success) return;
  blockedClients.delete(key);
  blockedClients.set(key, Date.now() + AUTH_FAILURE_WINDOW_SECONDS * 1000);
  for (const oldest of blockedClients.keys()) {
    if (blockedClients.size <= MAX_BLOCKED_CLIENTS) break;
    blockedClients.delete(oldest);
  }
  throw tooManyRequests(c, AUTH_FAILURE_WINDOW_SECONDS, "Too many failed authentications from this client.");
}
