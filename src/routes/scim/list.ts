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
import { type ListRequest, listResponse } from "../../scim/list-response";
import type { ResourceTypeDefinition } from "../../scim/schemas/resource-type";
import { DEFAULT_SORT, parseSort, type Sort } from "../../scim/sort";
import { authorize, parseBeforeAuthorizing } from "./auth";
import { scimJson } from "./respond";

/** A page query in storage terms: a sort field of the row, and where the page starts. */
export interface PageQuery<Field> {
  where?: SQL;
  sort: { field: Field; descending: boolean };
  from?: { key: SortKey; inclusive: boolean };
  offset: number;
  limit: number;
}

/** How one resource type is listed: its storage, its sortable fields, its rendering. */
export interface Listing<Row extends { id: string }, Field extends keyof Row & string = keyof Row & string> {
  type: ResourceTypeDefinition;
  /** Sortable attributes (canonical lower-case path) → the row field holding the sort key. */
  sortFields: Readonly<Record<string, Field>>;
  filterTarget(orgId: string): FilterTarget;
  page(c: Context<AppEnv>, db: Database, query: PageQuery<Field>): BatchItem<"sqlite"> & PromiseLike<Row[]>;
  count(c: Context<AppEnv>, db: Database, where: SQL): BatchItem<"sqlite"> & PromiseLike<{ total: number }[]>;
  /** The unfiltered total, from the organization's counter. */
  unfilteredTotal(organization: Organization): number;
  render(c: Context<AppEnv>, rows: Row[]): Promise<Record<string, unknown>[]> | Record<string, unknown>[];
  /** Remembered page starts of the unfiltered list in creation order, while `revision` has not moved. */
  positions?: { store: ListPositions; revision(organization: Organization): number };
}

/** A list request compiled against one resource type: its condition and its order. */
interface Plan {
  where?: SQL;
  sort: Sort;
}

const orgIdOf = (c: Context<AppEnv>) => c.req.param("orgId")!;

function plan<Row extends { id: string }, Field extends keyof Row & string>(
  c: Context<AppEnv>,
  listing: Listing<Row, Field>,
  request: ListRequest,
): Plan {
  const sortable = new Set(Object.keys(listing.sortFields));
  return {
    sort: parseSort([listing.type], sortable, request.sortBy, request.sortOrder),
    where: request.filter ? compileFilter(request.filter, listing.filterTarget(orgIdOf(c))) : undefined,
  };
}

const pageSort = <Row extends { id: string }, Field extends keyof Row & string>(
  listing: Listing<Row, Field>,
  sort: Sort,
) => ({
  field: listing.sortFields[sort.attribute],
  descending: sort.descending,
});

/**
 * One list request of one resource type, GET or POST .search: the tenant check, the page and (for a
 * filter) the count in one D1 batch; unfiltered totals from the organization's counter; a page that
 * follows one served before in creation order starts by key instead of an OFFSET walk.
 */
export async function respondWithList<Row extends { id: string }, Field extends keyof Row & string>(
  c: Context<AppEnv>,
  listing: Listing<Row, Field>,
  readRequest: () => ListRequest | Promise<ListRequest>,
) {
  const db = database(c.env.DB);
  const { request, where, sort } = await parseBeforeAuthorizing(c, db, async () => {
    const request = await readRequest();
    return { request, ...plan(c, listing, request) };
  });
  c.set("projection", request.projection);
  const { startIndex, count } = request;
  const remembering = !where && sort === DEFAULT_SORT ? listing.positions : undefined;
  const from = remembering?.store.find(orgIdOf(c), startIndex);
  const pageFrom = (position: Position | undefined) =>
    listing.page(c, db, { where, sort: pageSort(listing, sort), from: position, offset: startIndex - 1, limit: count });
  const [rows, counted] = (
    where
      ? await authorize(c, db, [pageFrom(from), listing.count(c, db, where)])
      : await authorize(c, db, [pageFrom(from)])
  ) as [Row[], { total: number }[]?];
  const organization = c.get("organization");
  let page = rows;
  if (remembering) {
    const revision = remembering.revision(organization);
    if (from && from.revision !== revision) page = await pageFrom(undefined); // rows were added or deleted since
    const field = pageSort(listing, sort).field;
    remembering.store.remember(
      orgIdOf(c),
      revision,
      startIndex,
      page.map((row) => keyOf(row, field)),
    );
  }
  const totalResults = counted ? counted[0].total : listing.unfilteredTotal(organization);
  const resources = await listing.render(c, page);
  return scimJson(c, listResponse(resources, { totalResults, startIndex, itemsPerPage: resources.length }));
}

const keyOf = <Row extends { id: string }>(row: Row, field: keyof Row): SortKey => ({
  value: String(row[field]),
  id: row.id,
});
