import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createTenant, ERROR_SCHEMA, scim } from "../helpers";

async function expect429(response: Response, retryAfter: string) {
  expect(response.status).toBe(429);
  expect(response.headers.get("Retry-After")).toBe(retryAfter);
  expect(await response.json()).toEqual({ schemas: [ERROR_SCHEMA], status: "429", detail: expect.any(String) });
}

describe("rate limits (Workers rate-limiting binding)", () => {
  it("answers a tenant beyond 1,000 requests in 10 s with 429 and an integer Retry-After, other tenants unaffected", async () => {
    // Windows are aligned to the clock, and on a loaded machine the run below can outlast one: a run
    // that crossed a window's end proves nothing either way, so it is made again with fresh tenants.
    const window = () => Math.floor(Date.now() / 10_000);
    for (let attempt = 1; ; attempt++) {
      const tenant = await createTenant();
      const other = await createTenant();
      // Start early in a window, so that it does not roll over midway.
      while (Date.now() % 10_000 > 2_000) await new Promise((resolve) => setTimeout(resolve, 100));
      const started = window();
      // Full SCIM requests take ~10 ms each on this machine, too slow to make 1,000 inside one window:
      // spend 990 of the tenant's budget on the binding itself, then send real requests.
      // The worker keys a tenant's count by its id and a digest of its token (src/routes/scim/rate-limit.ts).
      const digest = [...new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(tenant.token)))]
        .map((byte) => byte.toString(16).padStart(2, "0"))
        .join("")
        .slice(0, 32);
      for (let spent = 0; spent < 990; spent += 99) {
        await Promise.all(
          Array.from({ length: 99 }, () => env.TENANT_RATE_LIMIT.limit({ key: `${tenant.orgId}:${digest}` })),
        );
      }
      const statuses: number[] = [];
      for (let i = 0; i < 10; i++) statuses.push((await scim(tenant, "/ServiceProviderConfig")).status);
      const beyond = [await scim(tenant, "/Users"), await scim(tenant, "/ServiceProviderConfig")];
      if (window() !== started && attempt < 5) continue;
      expect(statuses).toEqual(Array(10).fill(200));
      for (const response of beyond) await expect429(response, "10");
      expect((await scim(other, "/ServiceProviderConfig")).status).toBe(200);
      // A wrong token is a 401, not a 429, and spends nothing of the tenant's budget.
      expect((await scim(tenant, "/Users", { token: "wrong" })).status).toBe(401);
      return;
    }
  }, 120_000);

  it("limits failed authentications per client IP and tenant, then refuses that client there before looking at its token", async () => {
    const tenant = await createTenant();
    const neighbour = await createTenant();
    const from = (ip: string, token?: string, to = tenant) =>
      scim(to, "/Users", { headers: { "CF-Connecting-IP": ip }, ...(token ? { token } : {}) });
    const guesser = "203.0.113.7";
    let failures = 0;
    let response = await from(guesser, "guess-0");
    while (response.status === 401 && failures < 50) {
      failures++;
      response = await from(guesser, `guess-${failures}`);
    }
    expect(failures).toBe(20);
    await expect429(response, "60");
    // The right token from the blocked client is refused too; other clients are not affected.
    const blocked = await from(guesser);
    expect(blocked.status).toBe(429);
    expect(blocked.headers.get("Retry-After")).toMatch(/^[1-9]\d*$/);
    expect((await from("198.51.100.2")).status).toBe(200);
    expect((await from("198.51.100.2", "wrong")).status).toBe(401);
    // Identity providers send from shared addresses: another organization provisioned from the
    // same address keeps working, and its own failures are counted apart.
    expect((await from(guesser, undefined, neighbour)).status).toBe(200);
    expect((await from(guesser, "wrong", neighbour)).status).toBe(401);
  });
});
