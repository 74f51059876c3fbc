import type { Context } from "hono";
import { app } from "../../app";
import { database } from "../../db/client";
import type { AppEnv } from "../../env";
import {
  type BulkOperation,
  parseBulkRequest,
  type RefusedOperation,
  referencedBulkIds,
  resolveBulkIds,
} from "../../scim/bulk";
import { errorBody, ScimError } from "../../scim/errors";
import { BULK_RESPONSE_SCHEMA } from "../../scim/schemas/urns";
import { authorize } from "./auth";
import { internalRequest } from "./internal-requests";
import { readJson, SCIM_CONTENT_TYPE, scimJson, tenantUrl } from "./respond";

interface OperationResult {
  method: string;
  bulkId?: string;
  version?: string;
  location?: string;
  status: string;
  response?: unknown;
}

/**
 * RFC 7644 §3.7 /Bulk. Each operation is dispatched through the same routes as a single request,
 * so it is checked, written and logged exactly as one, atomic on its own. `bulkId:<id>` references
 * are resolved from the operations that created them: an operation waits until every bulkId it
 * names has been created (so a group may list a user that is created after it in the request);
 * one naming a bulkId that no operation creates, that failed, or that waits on itself in a cycle
 * fails with 409. Processing stops once `failOnErrors` operations have failed; the response lists
 * the operations that ran, in the request's order.
 */
export async function bulk(c: Context<AppEnv>) {
  await authorize(c, database(c.env.DB), []);
  const request = parseBulkRequest(await readJson(c));
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

  const pending = new Map(request.operations.map((operation, index) => [index, operation]));
  while (pending.size > 0 && !stopped()) {
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
        const result = unresolved
          ? refusedResult(operation, unresolvable(unresolved, failed.has(unresolved)))
          : await dispatch(c, resolveBulkIds(operation, created), operation);
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
  const Operations = [...results.entries()].sort(([a], [b]) => a - b).map(([, result]) => result);
  return scimJson(c, { schemas: [BULK_RESPONSE_SCHEMA], Operations });
}

const unresolvable = (bulkId: string, failed: boolean) =>
  new ScimError(
    409,
    failed
      ? `bulkId ${bulkId} names a resource whose creation failed in this request.`
      : `bulkId ${bulkId} cannot be resolved: no operation of this request creates it before it is needed.`,
    "invalidValue",
  );

function refusedResult(operation: BulkOperation | RefusedOperation, error: ScimError): OperationResult {
  return {
    method: operation.method,
    ...(operation.bulkId ? { bulkId: operation.bulkId } : {}),
    status: String(error.status),
    response: errorBody(error),
  };
}

/** Runs one operation as its own request through the app, with the caller's token. */
async function dispatch(c: Context<AppEnv>, operation: BulkOperation, original: BulkOperation) {
  const base = tenantUrl(c, c.req.param("orgId")!);
  const headers = new Headers({
    Authorization: c.req.header("Authorization")!,
    "Content-Type": SCIM_CONTENT_TYPE,
  });
  if (operation.version) headers.set("If-Match", operation.version);
  const body = operation.data === undefined ? undefined : JSON.stringify(operation.data);
  const request = internalRequest(`${base}${operation.path}`, { method: operation.method, headers, body });
  const response = await app.request(request, undefined, c.env, c.executionCtx);
  const ok = response.status < 400;
  const location = response.headers.get("Location") ?? (ok ? `${base}${operation.path}` : undefined);
  const version = response.headers.get("ETag");
  return {
    method: original.method,
    ...(original.bulkId ? { bulkId: original.bulkId } : {}),
    ...(version ? { version } : {}),
    ...(location ? { location } : {}),
    status: String(response.status),
    // A failure carries its SCIM error; a success is told by status, location and version.
    ...(ok ? {} : { response: await response.json() }),
  };
}
