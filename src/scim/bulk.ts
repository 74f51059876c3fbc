import { invalidSyntax, invalidValue, ScimError } from "./errors";
import { BULK_REQUEST_SCHEMA } from "./schemas/urns";

/**
 * How many operations one /Bulk request may carry. The whole request runs in one Worker invocation,
 * which D1 allows 1,000 queries. A user operation makes at most 8: the tenant check with its read
 * (1, sometimes 2 statements), the write with its activity outbox entry (2), and on a refusal the
 * conflicting row and the logged rejection (up to 4). 100 operations × 8 = 800, leaving 200 for the
 * membership chunks of group operations, which `estimatedQueries` counts and `parseBulkRequest`
 * holds within 1,000 as a whole.
 */
export const MAX_OPERATIONS = 100;
/** The largest SCIM request body, /Bulk included (its maxPayloadSize). */
export const MAX_PAYLOAD_BYTES = 1024 * 1024;
export const QUERY_BUDGET = 1_000;
const QUERIES_PER_OPERATION = 8;
/** Membership rows go 33 to a statement (3 bound parameters each); ids are also looked up, 99 to one. */
const MEMBERS_PER_STATEMENT = 33;

export type BulkMethod = "POST" | "PUT" | "PATCH" | "DELETE";

export interface BulkOperation {
  method: BulkMethod;
  bulkId?: string;
  version?: string;
  path: string;
  data?: unknown;
}

/** One operation that is not valid on its own: it gets its own error status, the others still run. */
export interface RefusedOperation {
  method: string;
  bulkId?: string;
  error: ScimError;
}

export interface BulkRequest {
  failOnErrors?: number;
  operations: (BulkOperation | RefusedOperation)[];
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);
/** Operations reach the resource endpoints only (never /Bulk itself, /.search or discovery). */
const COLLECTION = /^\/(Users|Groups)$/;
const RESOURCE = /^\/(Users|Groups)\/[^/?#]+$/;

/**
 * RFC 7644 §3.7: the envelope is checked as a whole (400 if malformed; 413 if it holds more than
 * MAX_OPERATIONS or would need more than the D1 query budget, before anything runs); each operation
 * is then checked on its own.
 */
export function parseBulkRequest(body: unknown): BulkRequest {
  if (!isObject(body)) throw invalidSyntax("A bulk request is a JSON object.");
  if (!Array.isArray(body.schemas) || !body.schemas.includes(BULK_REQUEST_SCHEMA)) {
    throw invalidValue(`schemas must contain ${BULK_REQUEST_SCHEMA}.`);
  }
  const { failOnErrors, Operations: operations } = body;
  if (failOnErrors !== undefined && (!Number.isInteger(failOnErrors) || (failOnErrors as number) < 1)) {
    throw invalidValue("failOnErrors must be a positive integer.");
  }
  if (!Array.isArray(operations)) throw invalidSyntax("A bulk request needs an Operations list.");
  if (operations.length > MAX_OPERATIONS) {
    throw new ScimError(413, `A bulk request may hold at most ${MAX_OPERATIONS} operations, not ${operations.length}.`);
  }
  const queries = operations.reduce((sum: number, operation) => sum + estimatedQueries(operation), 0);
  if (queries > QUERY_BUDGET) {
    throw new ScimError(
      413,
      `This bulk request could need ${queries} database queries, more than the ${QUERY_BUDGET} one request may make: split it.`,
    );
  }
  const bulkIds = new Set<string>();
  return {
    failOnErrors: failOnErrors as number | undefined,
    operations: operations.map((operation) => parseOperation(operation, bulkIds)),
  };
}

function parseOperation(operation: unknown, bulkIds: Set<string>): BulkOperation | RefusedOperation {
  if (!isObject(operation)) return { method: "", error: invalidSyntax("An operation is a JSON object.") };
  const { method: rawMethod, bulkId, version, path, data } = operation;
  const method = typeof rawMethod === "string" ? rawMethod.toUpperCase() : "";
  const refuse = (detail: string) => ({
    method,
    ...(typeof bulkId === "string" ? { bulkId } : {}),
    error: invalidValue(detail),
  });
  if (!METHODS.has(method)) return refuse(`method must be POST, PUT, PATCH or DELETE, not ${String(rawMethod)}.`);
  if (bulkId !== undefined && (typeof bulkId !== "string" || bulkId === "")) return refuse("bulkId must be a string.");
  if (version !== undefined && typeof version !== "string") return refuse("version must be a string (an ETag).");
  if (typeof path !== "string") return refuse("path must be a string.");
  if (method === "POST") {
    if (!COLLECTION.test(path)) return refuse(`A POST's path is /Users or /Groups, not ${path}.`);
    if (bulkId === undefined) return refuse("A POST needs a bulkId.");
  } else if (!RESOURCE.test(path)) {
    return refuse(`A ${method}'s path is /Users/{id} or /Groups/{id}, not ${path}.`);
  }
  if (method !== "DELETE" && !isObject(data)) return refuse(`A ${method} needs data: the resource or the PatchOp.`);
  if (typeof bulkId === "string") {
    if (bulkIds.has(bulkId)) return refuse(`bulkId ${bulkId} is used by an earlier operation of this request.`);
    bulkIds.add(bulkId);
  }
  return { method: method as BulkMethod, bulkId, version, path, data };
}

/** An upper bound on the D1 queries an operation makes: the fixed part and its membership chunks. */
function estimatedQueries(operation: unknown): number {
  const data = isObject(operation) ? operation.data : undefined;
  const members = countMemberValues(data);
  // Ids are looked up (99 a statement) and written (33 a statement); removals as many again at most.
  return QUERIES_PER_OPERATION + 2 * Math.ceil(members / MEMBERS_PER_STATEMENT) + Math.ceil(members / 99);
}

/** How many member values a group body or PatchOp names (`members` lists, wherever they appear). */
function countMemberValues(value: unknown): number {
  if (Array.isArray(value)) return value.reduce((sum: number, item) => sum + countMemberValues(item), 0);
  if (!isObject(value)) return 0;
  let count = 0;
  for (const [key, item] of Object.entries(value)) {
    if (key === "members" && Array.isArray(item)) count += item.length;
    else if (key === "value" && Array.isArray(item)) count += item.length;
    else if (typeof item === "object") count += countMemberValues(item);
  }
  return count;
}

const BULK_ID_PREFIX = "bulkId:";

/** The bulkIds an operation refers to: `bulkId:<id>` as a whole string value, or as its path's id. */
export function referencedBulkIds(operation: BulkOperation): Set<string> {
  const found = new Set<string>();
  const visit = (value: unknown) => {
    if (typeof value === "string" && value.startsWith(BULK_ID_PREFIX)) found.add(value.slice(BULK_ID_PREFIX.length));
    else if (Array.isArray(value)) value.forEach(visit);
    else if (isObject(value)) Object.values(value).forEach(visit);
  };
  visit(operation.path.split("/")[2]);
  visit(operation.data);
  return found;
}

/** The operation with every `bulkId:<id>` replaced by the id the server gave that resource. */
export function resolveBulkIds(operation: BulkOperation, ids: ReadonlyMap<string, string>): BulkOperation {
  const resolve = (value: unknown): unknown => {
    if (typeof value === "string" && value.startsWith(BULK_ID_PREFIX)) {
      return ids.get(value.slice(BULK_ID_PREFIX.length)) ?? value;
    }
    if (Array.isArray(value)) return value.map(resolve);
    if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v)]));
    return value;
  };
  const [, collection, id] = operation.path.split("/");
  const path = id === undefined ? operation.path : `/${collection}/${resolve(id)}`;
  return { ...operation, path, data: resolve(operation.data) };
}
