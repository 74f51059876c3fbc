import type { SQL } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Database } from "../db/client";
import { compileFilterWithCost } from "../db/filter/compile";
import type { FilterTarget } from "../db/filter/target";
import type { SortKey } from "../db/keyset";
import { type ListPositions, memberListPositions, type Position } from "../db/list-positions";
import {
  countMembersStatement,
  type MemberSortField,
  type MemberWithGroups,
  memberFilterTarget,
  memberSortFields,
  selectMemberPageStatement,
} from "../db/member-queries";
import type { Organization, Team } from "../db/schema-types";
import {
  countTeamsStatement,
  selectTeamPageStatement,
  type TeamSortField,
  teamFilterTarget,
  teamSortFields,
} from "../db/team-queries";
import type { CursorPosition } from "../scim/cursor";
import { invalidFilter } from "../scim/errors";
import type { ListRequest } from "../scim/list-response";
import { isAttributeRequested, type Projection } from "../scim/projection";
import { groupResourceType, type ResourceTypeDefinition, userResourceType } from "../scim/schemas/resource-type";
import { DEFAULT_SORT, parseSort, type Sort } from "../scim/sort";
import { scimScope } from "./scim-resources";
import type { TenantCheck } from "./scim-tenant";

/** A page query in storage terms: a sort field of the row, and where the page starts. */
interface PageQuery<Field> {
  where?: SQL;
  sort: { field: Field; descending: boolean };
  from?: { key: SortKey; inclusive: boolean };
  offset: number;
  limit: number;
}

type Statement<T> = BatchItem<"sqlite"> & PromiseLike<T>;

/** How SCIM lists one resource type: its rows, their sortable fields and filterable attributes, its totals. */
export interface ResourceList<Row extends { id: string }, Field extends keyof Row & string> {
  type: ResourceTypeDefinition;
  /** Sortable attributes (canonical lower-case path) → the row field holding the sort key. */
  sortFields: Readonly<Record<string, Field>>;
  filterTarget(orgId: string): FilterTarget;
  /** A page of the rows SCIM sees, with what the response's projection shows of them. */
  page(db: Database, orgId: string, query: PageQuery<Field>, projection: Projection): Statement<Row[]>;
  count(db: Database, orgId: string, where: SQL): Statement<{ total: number }[]>;
  /** The unfiltered total, from the organization's counter. */
  unfilteredTotal(organization: Organization): number;
  /** Remembered page starts of the unfiltered list in creation order, while `revision` has not moved. */
  positions?: { store: ListPositions; revision(organization: Organization): number };
}

/** Users: provisioned members, sortable by the attributes that have an index, with their teams when shown. */
export const userList: ResourceList<MemberWithGroups, MemberSortField> = {
  type: userResourceType,
  sortFields: memberSortFields,
  filterTarget: memberFilterTarget,
  page: (db, orgId, query, projection) =>
    selectMemberPageStatement(db, scimScope(orgId), {
      ...query,
      withGroups: isAttributeRequested(projection, userResourceType, "groups"),
    }),
  count: (db, orgId, where) => countMembersStatement(db, scimScope(orgId), where),
  unfilteredTotal: (organization) => organization.provisionedMembers,
  // Okta's import pages the unfiltered list by startIndex: the next page starts by key.
  positions: { store: memberListPositions, revision: (organization) => organization.membersRevision },
};

/** Groups: provisioned teams (their members are read apart, by the page; see completeMembersOfTeams). */
export const groupList: ResourceList<Team, TeamSortField> = {
  type: groupResourceType,
  sortFields: teamSortFields,
  filterTarget: teamFilterTarget,
  page: (db, orgId, query) => selectTeamPageStatement(db, scimScope(orgId), query),
  count: (db, orgId, where) => countTeamsStatement(db, scimScope(orgId), where),
  unfilteredTotal: (organization) => organization.provisionedTeams,
};

// One engine lists several row types (the root .search lists users, then groups); each list's
// functions are only ever handed its own rows, which the erased type cannot express.
// biome-ignore lint/suspicious/noExplicitAny: see above
export type SomeResourceList = ResourceList<any, any>;

/** One resource type's share of a request: the list and the request's condition on it. */
interface Part {
  list: SomeResourceList;
  where?: SQL;
  /** Attribute paths the filter reads from the JSON document: no index serves them. */
  unindexed: string[];
}

/** A list request compiled against the listed types: its order, and each type's condition. */
export interface ListPlan {
  sort: Sort;
  parts: Part[];
}

/**
 * A filter no index serves is evaluated on every row of the tenant (page and count) in the database
 * all tenants share; beyond this many resources it is refused, saying which filters are indexed.
 */
export const MAX_UNINDEXED_SCAN = 10_000;

/**
 * Compiles a request against the listed types. `sortBy` must be sortable in every type. A filter
 * naming an attribute one type lacks leaves that type out of a multi-type (root) list; a filter no
 * type can run is the first type's error.
 */
export function planList(orgId: string, lists: readonly SomeResourceList[], request: ListRequest): ListPlan {
  const sortable = new Set(
    Object.keys(lists[0].sortFields).filter((key) => lists.every((list) => key in list.sortFields)),
  );
  const sort = parseSort(
    lists.map((list) => list.type),
    sortable,
    request.sortBy,
    request.sortOrder,
  );
  const parts: Part[] = [];
  let refusal: unknown;
  for (const list of lists) {
    try {
      const compiled =
        request.filter === undefined
          ? { where: undefined, unindexed: [] }
          : compileFilterWithCost(request.filter, list.filterTarget(orgId));
      parts.push({ list, ...compiled });
    } catch (error) {
      refusal ??= error;
    }
  }
  if (parts.length === 0) throw refusal;
  return { sort, parts };
}

/** A page of a list: each type's rows in the order shown, the total, and where a cursor page goes next or back. */
export interface ListedResources {
  /** [the type's index in the plan, its rows], in the order shown. */
  shown: [number, { id: string }[]][];
  totalResults: number;
  next?: Omit<CursorPosition, "back">;
  previous?: Omit<CursorPosition, "back">;
}

const pageSort = (list: SomeResourceList, sort: Sort) => ({
  field: list.sortFields[sort.attribute],
  descending: sort.descending,
});

const keyOf = (row: Record<string, unknown> & { id: string }, field: string): SortKey => ({
  value: String(row[field]),
  id: row.id,
});

/**
 * A list request, of one resource type or (the root) several, one after the other: the tenant
 * check, the first type's page and every filtered count in one D1 batch; unfiltered totals from the
 * organization's counters; a later type's page only when the earlier ones leave room on it. By
 * startIndex, an unfiltered page in creation order that follows one served before starts by key
 * instead of an OFFSET walk; by cursor (RFC 9865; `position`, the cursor opened), every page starts
 * by key after the cursor's row, and one row more than asked tells whether a next page exists.
 */
export async function listResources(
  db: Database,
  check: TenantCheck,
  orgId: string,
  plan: ListPlan,
  request: ListRequest,
  position?: CursorPosition,
): Promise<ListedResources> {
  const { sort, parts } = plan;
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
    !byCursor && parts.length === 1 && !first.where && sort === DEFAULT_SORT ? first.list.positions : undefined;
  const from = position
    ? { key: { value: position.value, id: position.id }, inclusive: false }
    : remembering?.store.find(orgId, startIndex);
  const firstPage = (start: Omit<Position, "revision"> | undefined) =>
    first.list.page(
      db,
      orgId,
      {
        where: first.where,
        sort: pageSort(first.list, walkSort),
        from: start,
        offset: byCursor ? 0 : startIndex - 1,
        limit,
      },
      request.projection,
    );
  if (parts.some((part) => part.unindexed.length > 0)) {
    // Rare (Okta and Entra filter by indexed attributes): the tenant's size first, one round trip more.
    refuseLargeScans(parts, (await check([])).organization);
  }
  const counted = parts.filter((part) => part.where);
  const { organization, results } = await check([
    firstPage(from),
    ...counted.map((part) => part.list.count(db, orgId, part.where!)),
  ]);
  const [firstRows, ...counts] = results as [{ id: string }[], ...{ total: number }[][]];
  const totals = parts.map((part) => {
    const index = counted.indexOf(part);
    return index === -1 ? part.list.unfilteredTotal(organization) : counts[index][0].total;
  });

  let rows = firstRows;
  if (remembering) {
    const stale = from && "revision" in from && from.revision !== remembering.revision(organization);
    if (stale) rows = await firstPage(undefined); // rows were added or deleted since
    const field = pageSort(first.list, sort).field;
    const keys = rows.map((row) => keyOf(row, field));
    remembering.store.remember(orgId, remembering.revision(organization), startIndex, keys);
  }
  const pages = new Map([[startPart, rows]]);
  // The later types continue the same sequence: type k starts after every row of the types before it.
  let before = totals.slice(0, startPart + 1).reduce((sum, total) => sum + total, 0);
  let collected = rows.length;
  for (let index = startPart + step; index >= 0 && index < parts.length && collected < limit; index += step) {
    const part = parts[index];
    const offset = byCursor ? 0 : Math.max(0, startIndex - 1 - before);
    before += totals[index];
    const page = await part.list.page(
      db,
      orgId,
      { where: part.where, sort: pageSort(part.list, walkSort), offset, limit: limit - collected },
      request.projection,
    );
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
  const positionOf = (part: number, row: { id: string }) => ({
    part,
    ...keyOf(row, pageSort(parts[part].list, sort).field),
  });
  const [firstShown, lastShown] = [shown.at(0), shown.at(-1)];
  // Forward, a next page exists when the extra row did, a previous one when this page followed a
  // cursor; backwards, the other way round.
  const next =
    byCursor && lastShown && (backwards || more) ? positionOf(lastShown[0], lastShown[1].at(-1)!) : undefined;
  const previous =
    byCursor && firstShown && (backwards ? more : position !== undefined)
      ? positionOf(firstShown[0], firstShown[1][0])
      : undefined;
  return { shown, totalResults: totals.reduce((sum, total) => sum + total, 0), next, previous };
}

function refuseLargeScans(parts: Part[], organization: Organization) {
  for (const part of parts) {
    const size = part.list.unfilteredTotal(organization);
    if (part.unindexed.length === 0 || size <= MAX_UNINDEXED_SCAN) continue;
    const attributes = [...new Set(part.unindexed)].map((path) => `"${path}"`).join(", ");
    throw invalidFilter(
      `No index serves ${attributes}, and this tenant has more than ${MAX_UNINDEXED_SCAN} ${part.list.type.name} resources: filter by id, userName, externalId, emails, groups, active or meta dates instead.`,
    );
  }
}
