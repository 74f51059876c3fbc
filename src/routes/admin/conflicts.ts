import { Hono } from "hono";
import * as v from "valibot";
import type { Conflict } from "../../db/schema-types";
import { conflictDecisions, resolveConflict } from "../../domain/conflict-resolution";
import { conflictPage } from "../../domain/conflicts";
import { parseQuery } from "../../domain/inputs";
import { getOrganization } from "../../domain/organizations";
import type { AppEnv } from "../../env";
import { limitParameter, readBody } from "./validate";

const query = v.object({
  status: v.optional(
    v.picklist(["open", "linked", "dismissed", "resolved"], "must be open, linked, dismissed or resolved"),
    "open",
  ),
  limit: limitParameter,
  cursor: v.optional(v.string()),
});
const resolveRequest = v.strictObject({ action: v.picklist(["link", "dismiss"], "must be link or dismiss") });

/** What provisioning could not do and an admin must decide, at /organizations/:orgId/conflicts. */
export const conflictsApi = new Hono<AppEnv>();

conflictsApi.get("/:orgId/conflicts", async (c) => {
  const { status, limit, cursor } = parseQuery(c.req.query(), query);
  const db = c.var.db;
  const organization = await getOrganization(db, c.req.param("orgId"));
  const { items, nextCursor } = await conflictPage(db, organization, status, { cursor, limit });
  return c.json({ conflicts: items.map(conflictView), nextCursor });
});

conflictsApi.post("/:orgId/conflicts/:id/resolve", async (c) => {
  const { action } = await readBody(c, resolveRequest);
  const db = c.var.db;
  const organization = await getOrganization(db, c.req.param("orgId"));
  const { conflict, member } = await resolveConflict(db, organization, c.req.param("id"), action);
  return c.json({ ...conflictView(conflict), ...(member ? { memberId: member.id } : {}) });
});

export function conflictView(conflict: Conflict) {
  return {
    id: conflict.id,
    orgId: conflict.orgId,
    kind: conflict.kind,
    status: conflict.status,
    targetType: conflict.targetType,
    targetId: conflict.targetId,
    targetName: conflict.targetName,
    provider: conflict.provider,
    ...(conflict.kind === "no_licence" || conflict.kind === "reactivation_refused"
      ? { licenses: conflict.licenses, licensesUsed: conflict.licensesUsed }
      : {}),
    detail: conflict.detail,
    occurrences: conflict.occurrences,
    createdAt: conflict.createdAt,
    lastSeenAt: conflict.lastSeenAt,
    resolvedAt: conflict.resolvedAt,
    actions: conflictDecisions(conflict),
  };
}
