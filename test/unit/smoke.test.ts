import { describe, expect, it } from "vitest";
import { exports } from "cloudflare:workers";
describe("smoke", () => {
  it("works", async () => {
    const r = await exports.default.fetch("http://x/");
    expect(await r.text()).toBe("ok");
  });
});
