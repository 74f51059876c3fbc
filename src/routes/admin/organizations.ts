import { type Context, Hono } from "hono";
import * as v from "valibot";
import type { Organization } from "../../db/schema-types";
import { licenseCount, memberQuota, nameSchema, scimProvider, shardNumber } from "../../domain/inputs";
import {
  createOrganization,
  getOrganization,
  rotateScimToken,
  setScimProvisioning,
  updateOrganization,
} from "../../domain/organizations";
import { scimSettings } from "../../domain/scim-settings";
import type { AppEnv } from "../../env";
import { tenantUrl } from "../tenant-url";
import { readBody } from "./validate";

const createRequest = v.strictObject({
  name: nameSchema,
  licenses: licenseCount,
  memberQuota: v.optional(memberQuota),
  shard: v.optional(shardNumber),
});
const updateRequest = v.pipe(
  v.strictObject({
    name: v.optional(nameSchema),
    licenses: v.optional(licenseCount),
    memberQuota: v.optional(memberQuota),
  }),
  v.check(
    (body) => body.name !== undefined || body.licenses !== undefined || body.memberQuota !== undefined,
    "give name, licenses or memberQuota",
  ),
);
const scimRequest = v.strictObject({ enabled: v.boolean(), provider: v.optional(scimProvider) });

export const organizationsApi = new Hono<AppEnv>();

organizationsApi.post("/", async (c) => {
  const input = await readBody(c, createRequest);
  const organization = await createOrganization(c.var.storage.shards, input);
  return c.json(view(organization, organization.shard), 201);
});

organizationsApi.get("/:orgId", async (c) =>
  c.json(view(await getOrganization(c.var.db, c.req.param("orgId")), c.var.storage.shard)),
);

organizationsApi.patch("/:orgId", async (c) => {
  const input = await readBody(c, updateRequest);
  return c.json(view(await updateOrganization(c.var.db, c.req.param("orgId"), input), c.var.storage.shard));
});

organizationsApi.put("/:orgId/scim", async (c) => {
  const input = await readBody(c, scimRequest);
  const { organization, token } = await setScimProvisioning(c.var.db, c.req.param("orgId"), input);
  return c.json({ ...scimView(c, organization), ...(token ? { token } : {}) });
});

organizationsApi.get("/:orgId/scim", async (c) => {
  const db = c.var.db;
  const organization = await getOrganization(db, c.req.param("orgId"));
  const { health, ...counts } = await scimSettings(db, organization);
  return c.json({
    enabled: organization.scimEnabled,
    provider: organization.scimProvider,
    tenantUrl: tenantUrl(c, organization.id),
    tokenCreatedAt: organization.scimTokenCreatedAt,
    ...counts,
    ...health,
  });
});

organizationsApi.post("/:orgId/scim/token", async (c) => {
  const { organization, token } = await rotateScimToken(c.var.db, c.req.param("orgId"));
  return c.json({ tenantUrl: tenantUrl(c, organization.id), token });
});

function view(organization: Organization, shard: number) {
  return {
    id: organization.id,
    name: organization.name,
    /** The shard (DB_SHARD_<n>) that holds the organization. */
    shard,
    licenses: organization.licenses,
    licensesUsed: organization.licensesUsed,
    memberQuota: organization.memberQuota,
    memberCount: organization.memberCount,
    scim: organization.scimEnabled ? { enabled: true, provider: organization.scimProvider } : { enabled: false },
  };
}

function scimView(c: Context, organization: Organization) {
  return organization.scimEnabled
    ? { enabled: true, provider: organization.scimProvider, tenantUrl: tenantUrl(c, organization.id) }
    : { enabled: false };
}
