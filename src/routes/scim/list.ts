import type { Context } from "hono";
import { listResources, planList, type ResourceList, type SomeResourceList } from "../../domain/scim-lists";
import type { AppEnv } from "../../env";
import { openCursor, sealCursor } from "../../scim/cursor";
import { invalidCursor } from "../../scim/errors";
import {
  cursorListResponse,
  type ListRequest,
  listRequestFromQuery,
  listRequestFromSearch,
  listResponse,
} from "../../scim/list-response";
import type { Sort } from "../../scim/sort";
import { parseBeforeAuthorizing, tenantCheck } from "./auth";
import { readJson, StreamedJson, scimJson, streamedScimJson } from "./respond";

/** A rendered resource, or one whose JSON streams (a large group with its members). */
type Rendered = Record<string, unknown> | StreamedJson;

/** How SCIM lists and renders one resource type. */
export interface Listing<Row extends { id: string }> {
  list: ResourceList<Row, keyof Row & string>;
  render(c: Context<AppEnv>, rows: Row[]): Promise<Rendered[]> | Rendered[];
}

// The root .search lists users, then groups: each listing only ever renders its own rows.
// biome-ignore lint/suspicious/noExplicitAny: see above
type SomeListing = Listing<any>;

const orgIdOf = (c: Context<AppEnv>) => c.req.param("orgId")!;

/**
 * A list request, GET or POST .search, of one resource type or (the root) several, one after the
 * other (see listResources for how it is read). Input is parsed before the tenant check's round
 * trip, which the first reads share; a cursor (RFC 9865) is opened here and the next and previous
 * ones sealed for the same list.
 */
export async function respondWithList(
  c: Context<AppEnv>,
  listings: readonly SomeListing[],
  readRequest: () => ListRequest | Promise<ListRequest>,
) {
  const db = c.var.db;
  const lists: SomeResourceList[] = listings.map((listing) => listing.list);
  const { request, plan, context, position } = await parseBeforeAuthorizing(c, db, async () => {
    const request = await readRequest();
    const plan = planList(orgIdOf(c), lists, request);
    const context = cursorContext(c, lists, request, plan.sort);
    const position = request.cursor ? await openCursor(cursorSecret(c), context, request.cursor) : undefined;
    if (position && !plan.parts[position.part]) throw invalidCursor("The cursor is not one this list issued.");
    return { request, plan, context, position };
  });
  c.set("projection", request.projection);
  const listed = await listResources(db, tenantCheck(c, db), orgIdOf(c), plan, request, position);
  const partListing = (part: number) => listings[lists.indexOf(plan.parts[part].list)];
  const [nextCursor, previousCursor] = await Promise.all([
    listed.next && sealCursor(cursorSecret(c), context, { ...listed.next, back: false }),
    listed.previous && sealCursor(cursorSecret(c), context, { ...listed.previous, back: true }),
  ]);
  const rendered = await Promise.all(listed.shown.map(([part, rows]) => partListing(part).render(c, rows)));
  const resources = rendered.flat();
  const { totalResults } = listed;
  const itemsPerPage = resources.length;
  return listJson(
    c,
    request.cursor !== undefined
      ? cursorListResponse(resources, { totalResults, itemsPerPage, nextCursor, previousCursor })
      : listResponse(resources, { totalResults, startIndex: request.startIndex, itemsPerPage }),
  );
}

/** The ListResponse, streamed around the resources that stream (a large group with its members). */
function listJson(c: Context<AppEnv>, list: { Resources: readonly unknown[] }): Response {
  if (!list.Resources.some((resource) => resource instanceof StreamedJson)) return scimJson(c, list);
  const [head, tail] = JSON.stringify({ ...list, Resources: [] }).split(`"Resources":[]`);
  const parts: (string | StreamedJson)[] = [`${head}"Resources":[`];
  list.Resources.forEach((resource, index) => {
    if (index > 0) parts.push(",");
    parts.push(resource instanceof StreamedJson ? resource : JSON.stringify(resource));
  });
  parts.push(`]${tail}`);
  return streamedScimJson(c, parts);
}

/** What a cursor belongs to: the tenant, the listed types, the filter and the order. */
function cursorContext(c: Context<AppEnv>, lists: readonly SomeResourceList[], request: ListRequest, sort: Sort) {
  const types = lists.map((list) => list.type.id).join(",");
  return [orgIdOf(c), types, request.filter ?? "", sort.attribute, sort.descending ? "descending" : "ascending"].join(
    "\n",
  );
}

/** Cursors are signed with CURSOR_SECRET when set, else with a key derived from ADMIN_TOKEN. */
const cursorSecret = (c: Context<AppEnv>) => c.env.CURSOR_SECRET || c.env.ADMIN_TOKEN;

/** A GET list's request: its query parameters. */
export const queryRequest = (c: Context<AppEnv>) => () => listRequestFromQuery(c.req.query());

/** A POST .search's request: its SearchRequest body. */
export const searchRequest = (c: Context<AppEnv>) => async () => listRequestFromSearch(await readJson(c));
