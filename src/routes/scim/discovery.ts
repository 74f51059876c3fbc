import { type Context, Hono } from "hono";
import type { AppEnv } from "../../env";
import { resourceTypes, schemaDocuments, serviceProviderConfig } from "../../scim/discovery";
import { invalidValue, notFound, ScimError } from "../../scim/errors";
import { listResponse } from "../../scim/list-response";
import { tenantUrl } from "../tenant-url";
import { authorize } from "./auth";
import { methodNotAllowed } from "./method-not-allowed";
import { scimJson } from "./respond";

/** RFC 7644 §4: what this server supports, for clients that ask. */
export const discovery = new Hono<AppEnv>();

discovery.use(async (c, next) => {
  await authorize(c, c.var.db, []);
  // RFC 7644 §4: a filter here is refused (403), so that no client takes its conditions as met;
  // these fixed documents have no order or cursor either.
  if (c.req.query("filter") !== undefined) throw new ScimError(403, "Discovery endpoints cannot be filtered.");
  for (const name of ["sortBy", "sortOrder", "cursor"]) {
    if (c.req.query(name) !== undefined) throw invalidValue(`Discovery endpoints take no ${name}.`);
  }
  await next();
});

const baseUrl = (c: Context<AppEnv>) => tenantUrl(c, c.req.param("orgId")!);

discovery.get("/ServiceProviderConfig", (c) => scimJson(c, serviceProviderConfig(baseUrl(c))));

discovery.get("/ResourceTypes", (c) => scimJson(c, listAll(resourceTypes(baseUrl(c)))));
discovery.get("/ResourceTypes/:id", (c) =>
  scimJson(c, findById(resourceTypes(baseUrl(c)), c.req.param("id"), "resource type")),
);

discovery.get("/Schemas", (c) => scimJson(c, listAll(schemaDocuments(baseUrl(c)))));
discovery.get("/Schemas/:id", (c) => scimJson(c, findById(schemaDocuments(baseUrl(c)), c.req.param("id"), "schema")));

for (const path of ["/ServiceProviderConfig", "/ResourceTypes", "/ResourceTypes/:id", "/Schemas", "/Schemas/:id"]) {
  discovery.all(path, methodNotAllowed("GET"));
}

function listAll(documents: object[]) {
  return listResponse(documents, { totalResults: documents.length, startIndex: 1, itemsPerPage: documents.length });
}

function findById<T extends object>(documents: T[], id: string, kind: string): T {
  const found = documents.find((d) => "id" in d && d.id === id);
  if (!found) throw notFound(`No ${kind} ${id}.`);
  return found;
}
