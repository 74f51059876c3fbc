import { describe, expect, it } from "vitest";
import { createTenant, createUser, patchOp, scim } from "../helpers";

describe("If-None-Match on GET (RFC 7232 §3.2)", () => {
  it("answers 304 with the ETag and no body while the client holds the current version", async () => {
    const tenant = await createTenant();
    const created = await createUser(tenant, "cached@acme.test");
    const path = `/Users/${created.id}`;
    const first = await scim(tenant, path);
    const tag = first.headers.get("ETag")!;
    expect(tag).toBe('W/"1"');

    // Weak comparison: the weak tag, its strong spelling, one of a list, and * all name the version.
    for (const header of [tag, '"1"', `W/"9", ${tag}`, "*"]) {
      const cached = await scim(tenant, path, { headers: { "If-None-Match": header } });
      expect(cached.status).toBe(304);
      expect(cached.headers.get("ETag")).toBe(tag);
      expect(await cached.text()).toBe("");
    }

    await scim(tenant, path, { method: "PATCH", json: patchOp({ op: "replace", path: "title", value: "Boss" }) });
    const changed = await scim(tenant, path, { headers: { "If-None-Match": tag } });
    expect(changed.status).toBe(200);
    expect(changed.headers.get("ETag")).toBe('W/"2"');
    expect(((await changed.json()) as any).title).toBe("Boss");
  });

  it("works the same for groups, and a stale or unknown resource is not a 304", async () => {
    const tenant = await createTenant();
    const created = await scim(tenant, "/Groups", {
      method: "POST",
      json: { schemas: ["urn:ietf:params:scim:schemas:core:2.0:Group"], displayName: "Cached" },
    });
    const group = (await created.json()) as any;
    const cached = await scim(tenant, `/Groups/${group.id}?excludedAttributes=members`, {
      headers: { "If-None-Match": group.meta.version },
    });
    expect(cached.status).toBe(304);
    expect(cached.headers.get("ETag")).toBe(group.meta.version);
    const stale = await scim(tenant, `/Groups/${group.id}`, { headers: { "If-None-Match": 'W/"0"' } });
    expect(stale.status).toBe(200);
    expect(((await stale.json()) as any).displayName).toBe("Cached");
    const missing = await scim(tenant, `/Groups/${crypto.randomUUID()}`, { headers: { "If-None-Match": "*" } });
    expect(missing.status).toBe(404);
  });
});

describe("/Me", () => {
  it("is 501 with a SCIM error: a provisioning token has no subject", async () => {
    const tenant = await createTenant();
    for (const method of ["GET", "PUT", "PATCH", "DELETE"]) {
      const response = await scim(tenant, "/Me", { method });
      expect(response.status).toBe(501);
      expect(await response.json()).toEqual({
        schemas: ["urn:ietf:params:scim:api:messages:2.0:Error"],
        status: "501",
        detail: expect.stringContaining("/Me"),
      });
    }
    expect((await scim(tenant, "/Me", { token: "wrong" })).status).toBe(401);
  });
});
