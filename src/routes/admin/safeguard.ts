import { Hono } from "hono";
import * as v from "valibot";
import {
  parseQuery,
  safeguardHoldStatus,
  safeguardMinimumMembers,
  safeguardThresholdPercent,
  safeguardWindowMinutes,
} from "../../domain/inputs";
import { getOrganization } from "../../domain/organizations";
import {
  exemptMember,
  heldRequests,
  rejectHeld,
  releaseHeld,
  type SafeguardState,
  safeguardState,
  updateSafeguardSettings,
} from "../../domain/safeguard";
import type { AppEnv } from "../../env";
import { limitParameter, readBody } from "./validate";

const settingsRequest = v.pipe(
  v.strictObject({
    enabled: v.optional(v.boolean()),
    thresholdPercent: v.optional(safeguardThresholdPercent),
    minimumMembers: v.optional(safeguardMinimumMembers),
    windowMinutes: v.optional(safeguardWindowMinutes),
  }),
  v.check((body) => Object.keys(body).length > 0, "give enabled, thresholdPercent, minimumMembers or windowMinutes"),
);
const heldQuery = v.object({
  status: v.optional(safeguardHoldStatus, "held"),
  limit: limitParameter,
  cursor: v.optional(v.string()),
});

/** The deprovisioning safeguard of an organization, at /organizations/:orgId/safeguard. */
export const safeguardApi = new Hono<AppEnv>();

safeguardApi.get("/:orgId/safeguard", async (c) => {
  const db = c.var.db;
  return c.json(view(await safeguardState(db, await getOrganization(db, c.req.param("orgId")))));
});

safeguardApi.patch("/:orgId/safeguard", async (c) => {
  const input = await readBody(c, settingsRequest);
  const db = c.var.db;
  const organization = await getOrganization(db, c.req.param("orgId"));
  return c.json(view(await updateSafeguardSettings(db, organization, input)));
});

safeguardApi.get("/:orgId/safeguard/held", async (c) => {
  const { status, limit, cursor } = parseQuery(c.req.query(), heldQuery);
  const db = c.var.db;
  const organization = await getOrganization(db, c.req.param("orgId"));
  const { items, nextCursor } = await heldRequests(db, organization, status, { cursor, limit });
  return c.json({ held: items, nextCursor });
});

safeguardApi.post("/:orgId/safeguard/release", async (c) => {
  const db = c.var.db;
  const organization = await getOrganization(db, c.req.param("orgId"));
  const outcome = await releaseHeld(db, organization);
  return c.json({ ...outcome, safeguard: view(await safeguardState(db, organization)) });
});

safeguardApi.post("/:orgId/safeguard/reject", async (c) => {
  const db = c.var.db;
  const organization = await getOrganization(db, c.req.param("orgId"));
  const outcome = await rejectHeld(db, organization);
  return c.json({ ...outcome, safeguard: view(await safeguardState(db, organization)) });
});

safeguardApi.post("/:orgId/safeguard/held/:memberId/exempt", async (c) => {
  const db = c.var.db;
  const organization = await getOrganization(db, c.req.param("orgId"));
  await exemptMember(db, organization, c.req.param("memberId"));
  return c.json({ memberId: c.req.param("memberId"), status: "exempt" });
});

function view(state: SafeguardState) {
  const { window, lastHeldAt, ...settings } = state;
  return { ...settings, window };
}
