import { invalidValue } from "./errors";
import { LIST_RESPONSE_SCHEMA } from "./schemas/urns";

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;

export function listResponse(
  resources: unknown[],
  page: { totalResults: number; startIndex: number; itemsPerPage: number },
) {
  return { schemas: [LIST_RESPONSE_SCHEMA], ...page, Resources: resources };
}

/** RFC 7644 §3.4.2.4: 1-based startIndex (below 1 means 1), count clamped to 0..MAX_PAGE_SIZE. */
export function parseListQuery(query: { startIndex?: string; count?: string }) {
  const startIndex = Math.max(1, integer(query.startIndex, "startIndex") ?? 1);
  const count = Math.min(MAX_PAGE_SIZE, Math.max(0, integer(query.count, "count") ?? DEFAULT_PAGE_SIZE));
  return { startIndex, count };
}

function integer(value: string | undefined, name: string): number | undefined {
  if (value === undefined || value.trim() === "") return undefined;
  if (!/^-?\d{1,15}$/.test(value.trim())) throw invalidValue(`${name} must be an integer.`);
  return Number(value);
}
