import type { SQL } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Context } from "hono";
import type { Database } from "../../db/client";
import { compileFilterWithCost } from "../../db/filter/compile";
import type { FilterTarget } from "../../db/filter/target";
import type { SortKey } from "../../db/keyset";
import type { ListPositions, Position } from "../../db/list-positions";
import type { Organization } from "../../db/schema-types";
import type { AppEnv } from "../../env";
import { openCursor, sealCursor } from "../../scim/cursor";
import { invalidCursor, invalidFilter } from "../../scim/errors";
import {
  cursorListResponse,
  type ListRequest,
  listRequestFromQuery,
  listRequestFromSearch,
  listResponse,
} from "../../scim/list-response";
import type { ResourceTypeDefinition } from "../../scim/schemas/resource-type";
import { DEFAULT_SORT, parseSort, type Sort } from "../../scim/sort";
import { authorize, parseBeforeAuthorizing } from "./auth";
import { readJson, StreamedJson, scimJson, streamedScimJson } from "./respond";

/** A page query in storage terms: a sort field of the row, and where the page starts. */
export interface PageQuery<Field> {
  where?: SQL;
  sort: { field: Field; descending: boolean };
  from?: { key: SortKey; inclusive: boolean };
  offset: number;
  limit: number;
}

type Statement<T> = BatchItem<"sqlite"> & PromiseLike<T>;

/** A rendered resource, or one whose JSON streams (a large group with its members). */
type Rendered = Record<string, unknown> | StreamedJson;

/** How one resource type is listed: its storage, its sortable fields, its rendering. */
export interface Listing<Row extends { id: string }, Field extends keyof Row & string> {
  type: ResourceTypeDefinition;
  /** Sortable attributes (canonical lower-case path) → the row field holding the sort key. */
  sortFields: Readonly<Record<string, Field>>;
  filterTarget(orgId: string): FilterTarget;
  page(c: Context<AppEnv>, db: Database, query: PageQuery<Field>): Statement<Row[]>;
  count(c: Context<AppEnv>, db: Database, where: SQL): Statement<{ total: number }[]>;
  /** The unfiltered total, from the organization's counter. */
  unfilteredTotal(organization: Organization): number;
  render(c: Context<AppEnv>, rows: Row[]): Promise<Rendered[]> | Rendered[];
  /** Remembered page starts of the unfiltered list in creation order, while `revision` has not moved. */
  positions?: { store: ListPositions; revision(organization: Organization): number };
}

// One engine lists several row types (the root .search lists users, then groups); each listing's
// functions are only ever handed its own rows, which the erased type cannot express.
// biome-ignore lint/suspicious/noExplicitAny: see above
type SomeListing = Listing<any, any>;

/** One resource type's share of a request: the listing and the request's condition on it. */
interface Part {
  listing: SomeListing;
  where?: SQL;
  /** Attribute paths the filter reads from the JSON document: no index serves them. */
  unindexed: string[];
}

/**
 * A filter no index serves is evaluated on every row of the tenant (page and count) in the database
 * all tenants share; beyond this many resources it is refused, saying which filters are indexed.
 */
export const MAX_UNINDEXED_SCAN = 10_000;

const orgIdOf = (c: Context<AppEnv>) => c.req.param("orgId")!;

/**
 * Compiles a request against the listed types. `sortBy` must be sortable in every type. A filter
 * naming an attribute one type lacks leaves that type out of a multi-type (root) list; a filter no
 * type can run is the first type's error.
 */
function plan(c: Context<AppEnv>, listings: readonly SomeListing[], request: ListRequest) {
  const sortable = new Set(
    Object.keys(listings[0].sortFields).filter((key) => listings.every((listing) => key in listing.sortFields)),
  );
  const sort = parseSort(
    listings.map((listing) => listing.type),
    sortable,
    request.sortBy,
    request.sortOrder,
  );
  const parts: Part[] = [];
  let refusal: unknown;
  for (const listing of listings) {
    try {
      const compiled =
        request.filter === undefined
          ? { where: undefined, unindexed: [] }
          : compileFilterWithCost(request.filter, listing.filterTarget(orgIdOf(c)));
      parts.push({ listing, ...compiled });
    } catch (error) {
      refusal ??= error;
    }
  }
  if (parts.length === 0) throw refusal;
  return { sort, parts };
}

const pageSort = (listing: SomeListing, sort: Sort) => ({
  field: listing.sortFields[sort.attribute],
  descending: sort.descending,
});

/**
 * A list request, GET or POST .search, of one resource type or (the root) several, one after the
 * other: the tenant check, the first type's page and every filtered count in one D1 batch;
 * unfiltered totals from the organization's counters; a later type's page only when the earlier
 * ones leave room on it. By startIndex, an unfiltered page in creation order that follows one
 * served before starts by key instead of an OFFSET walk; by cursor (RFC 9865), every page starts
 * by key after the cursor's row, and one row more than asked tells whether a next page exists.
 */
export async function respondWithList(
  c: Context<AppEnv>,
  listings: readonly SomeListing[],
  readRequest: () => ListRequest | Promise<ListRequest>,
) {
  const db = c.var.db;
  const { request, sort, parts, context, position } = await parseBeforeAuthorizing(c, db, async () => {
    const request = await readRequest();
    const planned = plan(c, listings, request);
    const context = cursorContext(c, listings, request, planned.sort);
    const position = request.cursor ? await openCursor(cursorSecret(c), context, request.cursor) : undefined;
    if (position && !planned.parts[position.part]) throw invalidCursor("The cursor is not one this list issued.");
    return { request, ...planned, context, position };
  });
  c.set("projection", request.projection);
  const byCursor = request.cursor !== undefined;
  const { startIndex, count } = request;
  // By cursor, one row more than asked: whether it exists decides whether a page follows.
  const limit = byCursor && count > 0 ? count + 1 : count;
  const startPart = position?.part ?? 0;
  const first = parts[startPart];
  // A previousCursor walks the same order backwards: the types in reverse, each in the reverse order.
  const backwards = position?.back === true;
  const step = backwards ? -1 : 1;
  const walkSort = backwards ? { ...sort, descending: !sort.descending } : sort;

  const remembering =
    !byCursor && parts.length === 1 && !first.where && sort === DEFAULT_SORT ? first.listing.positions : undefined;
  const from = position
    ? { key: { value: position.value, id: position.id }, inclusive: false }
    : remembering?.store.find(orgIdOf(c), startIndex);
  const firstPage = (start: Omit<Position, "revision"> | undefined) =>
    first.listing.page(c, db, {
      where: first.where,
      sort: pageSort(first.listing, walkSort),
      from: start,
      offset: byCursor ? 0 : startIndex - 1,
      limit,
    });
  if (parts.some((part) => part.unindexed.length > 0)) {
    // Rare (Okta and Entra filter by indexed attributes): the tenant's size first, one round trip more.
    await authorize(c, db, []);
    refuseLargeScans(parts, c.get("organization"));
  }
  const counted = parts.filter((part) => part.where);
  const [firstRows, ...counts] = (await authorize(c, db, [
    firstPage(from),
    ...counted.map((part) => part.listing.count(c, db, part.where!)),
  ])) as [{ id: string }[], ...{ total: number }[][]];
  const organization = c.get("organization");
  const totals = parts.map((part) => {
    const index = counted.indexOf(part);
    return index === -1 ? part.listing.unfilteredTotal(organization) : counts[index][0].total;
  });

  let rows = firstRows;
  if (remembering) {
    const stale = from && "revision" in from && from.revision !== remembering.revision(organization);
    if (stale) rows = await firstPage(undefined); // rows were added or deleted since
    const field = pageSort(first.listing, sort).field;
    const keys = rows.map((row) => keyOf(row, field));
    remembering.store.remember(orgIdOf(c), remembering.revision(organization), startIndex, keys);
  }
  const pages = new Map([[startPart, rows]]);
  // The later types continue the same sequence: type k starts after every row of the types before it.
  let before = totals.slice(0, startPart + 1).reduce((sum, total) => sum + total, 0);
  let collected = rows.length;
  for (let index = startPart + step; index >= 0 && index < parts.length && collected < limit; index += step) {
    const part = parts[index];
    const offset = byCursor ? 0 : Math.max(0, startIndex - 1 - before);
    before += totals[index];
    const page = await part.listing.page(c, db, {
      where: part.where,
      sort: pageSort(part.listing, walkSort),
      offset,
      limit: limit - collected,
    });
    pages.set(index, page);
    collected += page.length;
  }
  // The extra row, the farthest in the walk, only tells that more rows lie that way.
  const more = byCursor && collected > count;
  if (more) [...pages.values()].at(-1)!.pop();
  const shown = [...pages].filter(([, page]) => page.length > 0);
  if (backwards) {
    shown.reverse();
    for (const [, page] of shown) page.reverse();
  }
  const cursorAt = (part: number, row: { id: string }, back: boolean) =>
    sealCursor(cursorSecret(c), context, { part, ...keyOf(row, pageSort(parts[part].listing, sort).field), back });
  const [firstShown, lastShown] = [shown.at(0), shown.at(-1)];
  // Forward, a next page exists when the extra row did, a previous one when this page followed a
  // cursor; backwards, the other way round.
  const nextCursor =
    byCursor && lastShown && (backwards || more)
      ? await cursorAt(lastShown[0], lastShown[1].at(-1)!, false)
      : undefined;
  const previousCursor =
    byCursor && firstShown && (backwards ? more : position !== undefined)
      ? await cursorAt(firstShown[0], firstShown[1][0], true)
      : undefined;
  const rendered = await Promise.all(shown.map(([index, page]) => parts[index].listing.render(c, page)));
  const resources = rendered.flat();
  const totalResults = totals.reduce((sum, total) => sum + total, 0);
  const itemsPerPage = resources.length;
  return listJson(
    c,
    byCursor
      ? cursorListResponse(resources, { totalResults, itemsPerPage, nextCursor, previousCursor })
      : listResponse(resources, { totalResults, startIndex, itemsPerPage }),
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
function cursorContext(c: Context<AppEnv>, listings: readonly SomeListing[], request: ListRequest, sort: Sort) {
  const types = listings.map((listing) => listing.type.id).join(",");
  return [orgIdOf(c), types, request.filter ?? "", sort.attribute, sort.descending ? "descending" : "ascending"].join(
    "\n",
  );
}

/** Cursors are signed with CURSOR_SECRET when set, else with a key derived from ADMIN_TOKEN. */
const cursorSecret = (c: Context<AppEnv>) => c.env.CURSOR_SECRET || c.env.ADMIN_TOKEN;

const keyOf = (row: Record<string, unknown> & { id: string }, field: string): SortKey => ({
  value: String(row[field]),
  id: row.id,
});

/** A GET list's request: its query parameters. */
export const queryRequest = (c: Context<AppEnv>) => () => listRequestFromQuery(c.req.query());

/** A POST .search's request: its SearchRequest body. */
export const searchRequest = (c: Context<AppEnv>) => async () => listRequestFromSearch(await readJson(c));

function refuseLargeScans(parts: Part[], organization: Organization) {
  for (const part of parts) {
    const size = part.listing.unfilteredTotal(organization);
    if (part.unindexed.length === 0 || size <= MAX_UNINDEXED_SCAN) continue;
    const attributes = [...new Set(part.unindexed)].map((path) => `"${path}"`).join(", ");
    throw invalidFilter(
      `No index serves ${attributes}, and this tenant has more than ${MAX_UNINDEXED_SCAN} ${part.listing.type.name} resources: filter by id, userName, externalId, emails, groups, active or meta dates instead.`,
    );
  }
}
