import type { Context } from "hono";
import { bulkBudget, QUERIES_PER_REQUEST } from "../../domain/bulk-budget";
import { logFailure } from "../../domain/failures";
import type { AppEnv, Bindings } from "../../env";
import {
  type BulkOperation,
  operationPath,
  parseBulkRequest,
  type RefusedOperation,
  referencedBulkIds,
  resolveBulkIds,
} from "../../scim/bulk";
import { ERROR_SCHEMA, errorBody, invalidPath, ScimError } from "../../scim/errors";
import { BULK_RESPONSE_SCHEMA } from "../../scim/schemas/urns";
import { tenantUrl } from "../tenant-url";
import { authorize } from "./auth";
import { internalRequest } from "./internal-requests";
import { readJson, SCIM_CONTENT_TYPE, scimJson } from "./respond";

interface OperationResult {
  method: string;
  bulkId?: string;
  version?: string;
  location?: string;
  status: string;
  response?: unknown;
  /** Seconds the client should wait before sending the operation again (503 and 429), for the response's header. */
  retryAfter?: number;
}

const NOT_RUN_RETRY_AFTER_SECONDS = 1;

/**
 * RFC 7644 §3.7 /Bulk. Each operation is dispatched through the same routes as a single request,
 * so it is checked, written and logged exactly as one, atomic on its own. `bulkId:<id>` references
 * are resolved from the operations that created them: an operation waits until every bulkId it
 * names has been created (so a group may list a user that is created after it in the request);
 * one naming a bulkId that no operation creates, that failed, or that waits on itself in a cycle
 * fails with 409. Processing stops once `failOnErrors` operations have failed; the response lists
 * the operations that ran, in the request's order.
 *
 * The whole request is one Worker invocation, which D1 allows 1,000 queries. Every statement goes
 * through one counted handle; an operation is dispatched only while its worst case still fits, and
 * once the next one would not, it and the rest answer 503 with Retry-After, nothing of them done.
 */
export async function bulk(c: Context<AppEnv>) {
  const budget = bulkBudget(c.var.db);
  await authorize(c, budget.db, []);
  const request = parseBulkRequest(await readJson(c));
  const env: Bindings = c.var.storage.bindingsWithShard(c.env, budget.d1);
  // A full push's removal entries grow with its team, which holds at most the tenant's provisioned
  // members, the ones this request creates included.
  const largestTeam = c.get("organization").provisionedMembers + request.operations.length;
  const results = new Map<number, OperationResult>();
  const created = new Map<string, string>(); // bulkId → id
  const failed = new Set<string>(); // bulkIds whose POST failed
  const declared = new Set(
    request.operations.flatMap((operation) => ("error" in operation ? [] : operation.bulkId ? [operation.bulkId] : [])),
  );
  let errors = 0;
  const record = (index: number, result: OperationResult) => {
    results.set(index, result);
    if (Number(result.status) >= 400) errors++;
  };
  const stopped = () => request.failOnErrors !== undefined && errors >= request.failOnErrors;
  const fits = (operation: BulkOperation) => budget.fits(operation, largestTeam);

  const pending = new Map(request.operations.map((operation, index) => [index, operation]));
  let outOfStatements = false;
  while (pending.size > 0 && !stopped() && !outOfStatements) {
    let progressed = false;
    for (const [index, operation] of pending) {
      if (stopped()) break;
      if ("error" in operation) {
        record(index, refusedResult(operation, operation.error));
      } else {
        const references = [...referencedBulkIds(operation)];
        const waiting = references.filter((id) => !created.has(id) && !failed.has(id) && declared.has(id));
        if (waiting.length > 0 && waiting.some((id) => id !== operation.bulkId)) continue; // its bulkIds are not created yet
        const unresolved = references.find((id) => !created.has(id));
        if (!unresolved && !fits(operation)) {
          outOfStatements = true;
          break;
        }
        const result = unresolved
          ? refusedResult(operation, unresolvable(unresolved, failed.has(unresolved)))
          : await run(c, env, resolveBulkIds(operation, created), operation);
        if (operation.bulkId && operation.method === "POST") {
          const id = result.location?.split("/").at(-1);
          if (Number(result.status) < 400 && id) created.set(operation.bulkId, id);
          else failed.add(operation.bulkId);
        }
        record(index, result);
      }
      pending.delete(index);
      progressed = true;
    }
    if (!progressed) {
      // What is left waits on bulkIds of operations that are themselves waiting: a cycle.
      for (const [index, operation] of pending) {
        if (stopped()) break;
        const bulk = operation as BulkOperation;
        const [cycle] = [...referencedBulkIds(bulk)].filter((id) => !created.has(id));
        record(index, refusedResult(bulk, unresolvable(cycle, false)));
        if (bulk.bulkId) failed.add(bulk.bulkId);
        pending.delete(index);
      }
    }
  }
  for (const [index, operation] of outOfStatements ? pending : []) {
    if (stopped()) break;
    record(index, { ...refusedResult(operation, notRun()), retryAfter: NOT_RUN_RETRY_AFTER_SECONDS });
  }
  const ordered = [...results.entries()].sort(([a], [b]) => a - b).map(([, result]) => result);
  const retryAfter = Math.max(0, ...ordered.map((result) => result.retryAfter ?? 0));
  const Operations = ordered.map(({ retryAfter: _, ...result }) => result);
  // The wait before sending again the operations that answered 503 or 429.
  const headers: Record<string, string> = retryAfter > 0 ? { "Retry-After": String(retryAfter) } : {};
  return scimJson(c, { schemas: [BULK_RESPONSE_SCHEMA], Operations }, 200, headers);
}

const unresolvable = (bulkId: string, failed: boolean) =>
  new ScimError(
    409,
    failed
      ? `bulkId ${bulkId} names a resource whose creation failed in this request.`
      : `bulkId ${bulkId} cannot be resolved: no operation of this request creates it before it is needed.`,
    "invalidValue",
  );

const notRun = () =>
  new ScimError(
    503,
    `Not run: this request reached the ${QUERIES_PER_REQUEST} database queries one request may make before this operation. Send it again in another request after the seconds in Retry-After.`,
  );

function refusedResult(operation: BulkOperation | RefusedOperation, error: ScimError): OperationResult {
  return {
    method: operation.method,
    ...(operation.bulkId ? { bulkId: operation.bulkId } : {}),
    status: String(error.status),
    response: errorBody(error),
  };
}

/**
 * One operation's result: whatever happens to it (an id that is not one, an answer that is not a
 * SCIM error, a failure of the dispatch itself) is its own status, never the whole request's.
 */
async function run(
  c: Context<AppEnv>,
  env: Bindings,
  operation: BulkOperation,
  original: BulkOperation,
): Promise<OperationResult> {
  try {
    return await dispatch(c, env, operation, original);
  } catch (error) {
    if (error instanceof ScimError) return refusedResult(original, error);
    logFailure("bulk_operation_failed", error);
    return refusedResult(original, new ScimError(500, "Internal server error."));
  }
}

/**
 * Runs one operation as its own request through the app, with the caller's token, on the counted
 * database handle. It goes only to this tenant's /Users or /Groups: the URL is built from the
 * checked path and checked again once parsed.
 */
async function dispatch(c: Context<AppEnv>, env: Bindings, operation: BulkOperation, original: BulkOperation) {
  const orgId = c.req.param("orgId")!;
  const path = operationPath(operation);
  const url = new URL(`${tenantUrl(c, orgId)}${path}`);
  if (url.pathname !== `/scim/v2/${orgId}${path}`) throw invalidPath(`${path} is not a path of this tenant.`);
  // The response is not shown: a group's members are not read for it.
  if (operation.resource === "Groups" && (operation.method === "POST" || operation.method === "PUT")) {
    url.searchParams.set("excludedAttributes", "members");
  }
  const headers = new Headers({
    Authorization: c.req.header("Authorization")!,
    "Content-Type": SCIM_CONTENT_TYPE,
  });
  if (operation.version) headers.set("If-Match", operation.version);
  const body = operation.data === undefined ? undefined : JSON.stringify(operation.data);
  const request = internalRequest(url.href, { method: operation.method, headers, body });
  const response = await c.var.dispatch(request, env, c.executionCtx);
  const ok = response.status < 400;
  const location = response.headers.get("Location") ?? (ok ? `${tenantUrl(c, orgId)}${path}` : undefined);
  const version = response.headers.get("ETag");
  const retryAfter = Number(response.headers.get("Retry-After"));
  // A failure carries its SCIM error; a success is told by status, location and version.
  if (ok) await response.body?.cancel();
  const failure = ok ? undefined : await scimErrorOf(response);
  return {
    method: original.method,
    ...(original.bulkId ? { bulkId: original.bulkId } : {}),
    ...(version ? { version } : {}),
    ...(location ? { location } : {}),
    status: String(response.status),
    ...(failure ? { response: failure } : {}),
    ...(retryAfter > 0 ? { retryAfter } : {}),
  };
}

/** A failed operation's SCIM error; an answer that is not one (no route gives such) still gets one. */
async function scimErrorOf(response: Response): Promise<unknown> {
  const text = await response.text();
  const body = parsedJson(text) as { schemas?: unknown } | undefined;
  if (Array.isArray(body?.schemas) && body.schemas.includes(ERROR_SCHEMA)) return body;
  return errorBody(
    new ScimError(response.status, `The operation was answered ${response.status}, not with a SCIM error.`),
  );
}

function parsedJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
