import { invalidPath, invalidSyntax, invalidValue, ScimError } from "./errors";
import { BULK_REQUEST_SCHEMA } from "./schemas/urns";

/**
 * How many operations one /Bulk request may carry. The whole request runs in one Worker invocation,
 * which D1 allows 1,000 queries: the route counts the statements as they run and dispatches an
 * operation only while its worst case still fits (see `routes/scim/bulk.ts`).
 */
export const MAX_OPERATIONS = 100;
/** The largest SCIM request body, /Bulk included (its maxPayloadSize). */
export const MAX_PAYLOAD_BYTES = 1024 * 1024;

export type BulkMethod = "POST" | "PUT" | "PATCH" | "DELETE";

export type BulkResource = "Users" | "Groups";

export interface BulkOperation {
  method: BulkMethod;
  bulkId?: string;
  version?: string;
  /** The endpoint its path names, and for PUT, PATCH and DELETE the resource: an id or `bulkId:<bulkId>`. */
  resource: BulkResource;
  id?: string;
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
const PATH = /^\/(Users|Groups)(?:\/([^/]+))?$/;
/**
 * The ids this service gives users and groups (crypto.randomUUID()), and so the only ids a client
 * can have read from it. Nothing else reaches a URL: no `\`, `%`, `.` or `..` can move the
 * dispatched request to another tenant's path or another endpoint.
 */
const RESOURCE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const BULK_ID_PREFIX = "bulkId:";
/** What an If-Match header can carry: visible ASCII and spaces (an ETag, or a list of them). */
const VERSION = /^[\x20-\x7e]+$/;

/**
 * RFC 7644 §3.7: the envelope is checked as a whole (400 if malformed; 413 if it holds more than
 * MAX_OPERATIONS, before anything runs); each operation is then checked on its own.
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
  const refuse = (error: ScimError) => ({ method, ...(typeof bulkId === "string" ? { bulkId } : {}), error });
  if (!METHODS.has(method)) {
    return refuse(invalidValue(`method must be POST, PUT, PATCH or DELETE, not ${String(rawMethod)}.`));
  }
  if (bulkId !== undefined && (typeof bulkId !== "string" || bulkId === "")) {
    return refuse(invalidValue("bulkId must be a string."));
  }
  if (version !== undefined && (typeof version !== "string" || !VERSION.test(version))) {
    return refuse(invalidValue('version must be an ETag, such as W/"3".'));
  }
  if (typeof path !== "string") return refuse(invalidPath("path must be a string."));
  const [, resource, id] = PATH.exec(path) ?? [];
  if (method === "POST") {
    if (!resource || id !== undefined) return refuse(invalidPath(`A POST's path is /Users or /Groups, not ${path}.`));
    if (bulkId === undefined) return refuse(invalidValue("A POST needs a bulkId."));
  } else if (!resource || id === undefined || !(RESOURCE_ID.test(id) || isBulkIdReference(id))) {
    return refuse(
      invalidPath(
        `A ${method}'s path is /Users/{id} or /Groups/{id}, {id} being an id this service gave or bulkId:{bulkId}, not ${path}.`,
      ),
    );
  }
  if (method !== "DELETE" && !isObject(data)) {
    return refuse(invalidValue(`A ${method} needs data: the resource or the PatchOp.`));
  }
  if (typeof bulkId === "string") {
    if (bulkIds.has(bulkId))
      return refuse(invalidValue(`bulkId ${bulkId} is used by an earlier operation of this request.`));
    bulkIds.add(bulkId);
  }
  return { method: method as BulkMethod, bulkId, version, resource: resource as BulkResource, id, data };
}

const isBulkIdReference = (value: unknown): value is string =>
  typeof value === "string" && value.startsWith(BULK_ID_PREFIX);

/** The bulkIds an operation refers to: `bulkId:<id>` as a whole string value, or as its path's id. */
export function referencedBulkIds(operation: BulkOperation): Set<string> {
  const found = new Set<string>();
  const visit = (value: unknown) => {
    if (isBulkIdReference(value)) found.add(value.slice(BULK_ID_PREFIX.length));
    else if (Array.isArray(value)) value.forEach(visit);
    else if (isObject(value)) Object.values(value).forEach(visit);
  };
  visit(operation.id);
  visit(operation.data);
  return found;
}

/** The operation with every `bulkId:<id>` replaced by the id the server gave that resource. */
export function resolveBulkIds(operation: BulkOperation, ids: ReadonlyMap<string, string>): BulkOperation {
  const resolve = (value: unknown): unknown => {
    if (isBulkIdReference(value)) return ids.get(value.slice(BULK_ID_PREFIX.length)) ?? value;
    if (Array.isArray(value)) return value.map(resolve);
    if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v)]));
    return value;
  };
  return { ...operation, id: resolve(operation.id) as string | undefined, data: resolve(operation.data) };
}

/**
 * The path an operation is sent to, relative to the Tenant URL, once its bulkIds are resolved:
 * `/Users` or `/Groups`, and for PUT, PATCH and DELETE an id of the strict grammar. An id that is not
 * one (whatever a bulkId resolved to) is 400 invalidPath.
 */
export function operationPath(operation: BulkOperation): string {
  if (operation.id === undefined) return `/${operation.resource}`;
  if (!RESOURCE_ID.test(operation.id)) {
    throw invalidPath(`${operation.id} is not the id of a resource of this service.`);
  }
  return `/${operation.resource}/${operation.id}`;
}
