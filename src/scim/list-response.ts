import { invalidSyntax, invalidValue } from "./errors";
import { type Projection, parseProjection } from "./projection";
import { LIST_RESPONSE_SCHEMA, SEARCH_REQUEST_SCHEMA } from "./schemas/urns";

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;

export interface ListPage {
  totalResults: number;
  startIndex: number;
  itemsPerPage: number;
}

/** RFC 7644 §3.4.2: `Resources` is always present (clients read it even when nothing matched). */
export function listResponse(resources: readonly unknown[], { totalResults, startIndex, itemsPerPage }: ListPage) {
  return { schemas: [LIST_RESPONSE_SCHEMA], totalResults, startIndex, itemsPerPage, Resources: resources };
}

/** RFC 9865 §2.2: a cursor page has no startIndex; `nextCursor` / `previousCursor` only where rows lie. */
export function cursorListResponse(
  resources: readonly unknown[],
  page: { totalResults: number; itemsPerPage: number; nextCursor?: string; previousCursor?: string },
) {
  const { totalResults, itemsPerPage, nextCursor, previousCursor } = page;
  return {
    schemas: [LIST_RESPONSE_SCHEMA],
    totalResults,
    itemsPerPage,
    ...(nextCursor ? { nextCursor } : {}),
    ...(previousCursor ? { previousCursor } : {}),
    Resources: resources,
  };
}

/** RFC 7644 §3.4.2.4: 1-based startIndex (below 1 means 1), count clamped to 0..MAX_PAGE_SIZE. */
export function parseListQuery(query: { startIndex?: string; count?: string }): { startIndex: number; count: number } {
  const startIndex = Math.max(1, integerParameter(query.startIndex, "startIndex") ?? 1);
  const count = Math.min(MAX_PAGE_SIZE, Math.max(0, integerParameter(query.count, "count") ?? DEFAULT_PAGE_SIZE));
  return { startIndex, count };
}

function integerParameter(value: string | undefined, name: string): number | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  if (!/^[+-]?\d+$/.test(text)) throw invalidValue(`${name} must be an integer.`);
  // Beyond 2^53 the exact number no longer matters: the page is empty or clamped either way.
  return Math.max(-Number.MAX_SAFE_INTEGER, Math.min(Number.MAX_SAFE_INTEGER, Number(text)));
}

/** What a list asks for, from a GET's query or a POST .search body (RFC 7644 §3.4.2, §3.4.3). */
export interface ListRequest {
  filter?: string;
  startIndex: number;
  count: number;
  sortBy?: string;
  sortOrder?: string;
  /** RFC 9865: present (empty for the first page) when the client pages by cursor rather than startIndex. */
  cursor?: string;
  projection: Projection;
}

/** A GET list request's query parameters. */
export function listRequestFromQuery(query: Record<string, string>): ListRequest {
  if (query.cursor !== undefined && query.startIndex !== undefined) {
    throw invalidValue("Page by startIndex or by cursor, not both.");
  }
  return {
    ...parseListQuery(query),
    filter: query.filter,
    sortBy: query.sortBy,
    sortOrder: query.sortOrder,
    cursor: query.cursor,
    projection: parseProjection(query),
  };
}

/**
 * A POST .search body (RFC 7644 §3.4.3): the same parameters as a GET's query, typed as JSON, read
 * into that query's shape so that both take one path. `attributes` lists may also be comma strings.
 */
export function listRequestFromSearch(body: unknown): ListRequest {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw invalidSyntax("A search request is a JSON object.");
  }
  const request = body as Record<string, unknown>;
  const schemas = request.schemas;
  if (!Array.isArray(schemas) || !schemas.includes(SEARCH_REQUEST_SCHEMA)) {
    throw invalidValue(`schemas must contain ${SEARCH_REQUEST_SCHEMA}.`);
  }
  const query: Record<string, string> = {};
  for (const name of ["filter", "sortBy", "sortOrder", "cursor"]) {
    const value = request[name];
    if (value === undefined || value === null) continue;
    if (typeof value !== "string") throw invalidValue(`${name} must be a string.`);
    query[name] = value;
  }
  for (const name of ["startIndex", "count"]) {
    const value = request[name];
    if (value === undefined || value === null) continue;
    if (typeof value !== "number" && typeof value !== "string") throw invalidValue(`${name} must be an integer.`);
    query[name] = String(value);
  }
  for (const name of ["attributes", "excludedAttributes"]) {
    const value = request[name];
    if (value === undefined || value === null) continue;
    const list = typeof value === "string" ? [value] : value;
    if (!Array.isArray(list) || !list.every((item) => typeof item === "string")) {
      throw invalidValue(`${name} must be a list of attribute names.`);
    }
    query[name] = list.join(",");
  }
  return listRequestFromQuery(query);
}
