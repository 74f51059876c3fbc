import type { SQL } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Context } from "hono";
import { type Database, database } from "../../db/client";
import type { SortKey } from "../../db/keyset";
import type { ListPositions, Position } from "../../db/list-positions";
import type { Organization } from "../../db/schema-types";
import type { AppEnv } from "../../env";
import { compileFilter } from "../../scim/filter/compile";
import type { FilterTarget } from "../../scim/filter/target";
import { type ListRequest, listRequestFromQuery, listRequestFromSearch, listResponse } from "../../scim/list-response";
import type { ResourceTypeDefinition } from "../../scim/schemas/resource-type";
import { DEFAULT_SORT, parseSort, type Sort } from "../../scim/sort";
import { authorize, parseBeforeAuthorizing } from "./auth";
import { readJson, scimJson } from "./respond";

/** A page query in storage terms: a sort field of the row, and where the page starts. */
export interface PageQuery<Field> {
  where?: SQL;
  sort: { field: Field; descending: boolean };
  from?: { key: SortKey; inclusive: boolean };
  offset: number;
  limit: number;
}

type Statement<T> = BatchItem<"sqlite"> & PromiseLike<T>;

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
  render(c: Context<AppEnv>, rows: Row[]): Promise<Record<string, unknown>[]> | Record<string, unknown>[];
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
}

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
      const where =
        request.filter === undefined ? undefined : compileFilter(request.filter, listing.filterTarget(orgIdOf(c)));
      parts.push({ listing, where });
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
 * ones leave room on it. An unfiltered page in creation order that follows one served before starts
 * by key instead of an OFFSET walk.
 */
export async function respondWithList(
  c: Context<AppEnv>,
  listings: readonly SomeListing[],
  readRequest: () => ListRequest | Promise<ListRequest>,
) {
  const db = database(c.env.DB);
  const { request, sort, parts } = await parseBeforeAuthorizing(c, db, async () => {
    const request = await readRequest();
    return { request, ...plan(c, listings, request) };
  });
  c.set("projection", request.projection);
  const { startIndex, count } = request;
  const [first, ...later] = parts;

  const remembering = parts.length === 1 && !first.where && sort === DEFAULT_SORT ? first.listing.positions : undefined;
  const from = remembering?.store.find(orgIdOf(c), startIndex);
  const firstPage = (position: Position | undefined) =>
    first.listing.page(c, db, {
      where: first.where,
      sort: pageSort(first.listing, sort),
      from: position,
      offset: startIndex - 1,
      limit: count,
    });
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
    const revision = remembering.revision(organization);
    if (from && from.revision !== revision) rows = await firstPage(undefined); // rows were added or deleted since
    const field = pageSort(first.listing, sort).field;
    remembering.store.remember(
      orgIdOf(c),
      revision,
      startIndex,
      rows.map((row) => keyOf(row, field)),
    );
  }
  const pages = [rows];
  // The later types continue the same index: type k starts after every row of the types before it.
  let before = totals[0];
  for (const [index, part] of later.entries()) {
    const room = count - pages.flat().length;
    const offset = Math.max(0, startIndex - 1 - before);
    before += totals[index + 1];
    pages.push(
      room > 0
        ? await part.listing.page(c, db, { where: part.where, sort: pageSort(part.listing, sort), offset, limit: room })
        : [],
    );
  }
  const rendered = await Promise.all(parts.map((part, index) => part.listing.render(c, pages[index])));
  const resources = rendered.flat();
  const totalResults = totals.reduce((sum, total) => sum + total, 0);
  return scimJson(c, listResponse(resources, { totalResults, startIndex, itemsPerPage: resources.length }));
}

const keyOf = (row: Record<string, unknown> & { id: string }, field: string): SortKey => ({
  value: String(row[field]),
  id: row.id,
});

/** A GET list's request: its query parameters. */
export const queryRequest = (c: Context<AppEnv>) => () => listRequestFromQuery(c.req.query());

/** A POST .search's request: its SearchRequest body. */
export const searchRequest = (c: Context<AppEnv>) => async () => listRequestFromSearch(await readJson(c));
