import type { Context } from "hono";
import * as v from "valibot";
import { DomainError } from "../../domain/errors";
import { invalidSyntax, invalidValue, ScimError } from "../../scim/errors";
import { type PatchOperation, parsePatchOperations } from "../../scim/patch/operations";
import { etag, ifMatchAllows } from "../../scim/resource";
import type { ResourceTypeDefinition } from "../../scim/schemas/resource-type";
import { PATCH_OP_SCHEMA } from "../../scim/schemas/urns";
import { readJson } from "./respond";

/**
 * Operations in one PATCH. Okta and Entra send a handful (a group push, a few hundred at most); each
 * is applied in turn, so this bounds a request's work. README documents it.
 */
export const MAX_PATCH_OPERATIONS = 1000;

const patchRequest = v.object({
  schemas: v.pipe(
    v.array(v.string()),
    v.check((schemas) => schemas.includes(PATCH_OP_SCHEMA), `schemas must contain ${PATCH_OP_SCHEMA}.`),
  ),
  Operations: v.pipe(
    v.array(v.object({ op: v.string(), path: v.optional(v.string()), value: v.optional(v.unknown()) })),
    v.minLength(1, "A PATCH needs at least one operation."),
    v.maxLength(
      MAX_PATCH_OPERATIONS,
      `A PATCH may hold at most ${MAX_PATCH_OPERATIONS} operations: split it into several requests.`,
    ),
  ),
});

/**
 * Reads a PatchOp request body: the PatchOp schema and 1 to MAX_PATCH_OPERATIONS operations (413
 * beyond), each parsed against the resource type (see parsePatchOperations).
 */
export async function readPatchOperations(c: Context, type: ResourceTypeDefinition): Promise<PatchOperation[]> {
  const body = await readJson(c);
  // valibot's object schema takes an array for an object.
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw invalidSyntax("The request body must be a JSON object: a PatchOp request.");
  }
  const parsed = v.safeParse(patchRequest, body);
  if (parsed.success) return parsePatchOperations(parsed.output.Operations, type);
  const issue = parsed.issues[0];
  const path = v.getDotPath(issue);
  if (path === "Operations" && issue.type === "max_length") throw new ScimError(413, issue.message);
  if (path === "schemas" || (path === "Operations" && issue.type === "min_length")) throw invalidValue(issue.message);
  throw invalidSyntax(`Not a PatchOp request${path ? ` at ${path}` : ""}: ${issue.message}`);
}

/** RFC 7644 §3.14: a write with If-Match goes ahead only on the version the client names. */
export function requireCurrentVersion(c: Context, resource: { id: string; version: number }) {
  if (!ifMatchAllows(c.req.header("If-Match"), resource.version)) {
    throw new ScimError(
      412,
      `If-Match does not name the current version of ${resource.id} (${etag(resource.version)}).`,
    );
  }
}

/** Concurrent writes of one resource are re-applied on the fresh version this many times before giving up. */
const WRITE_ATTEMPTS = 25;

/**
 * Runs `write` on the resource as read, conditionally on its version (`write` throws
 * `version_mismatch` if another request changed it since). With If-Match that is 412; without, the
 * client asked for its change on whatever is current, so the resource is read again and the change
 * re-applied: a client that sent no If-Match never sees 412. Should every attempt lose its race,
 * the answer is 503 with Retry-After.
 */
export async function writeOnCurrentVersion<R extends { id: string; version: number }, T>(
  c: Context,
  read: R,
  reread: () => Promise<R>,
  write: (current: R) => Promise<T>,
): Promise<T> {
  let current = read;
  for (let attempt = 1; ; attempt++) {
    requireCurrentVersion(c, current);
    try {
      return await write(current);
    } catch (error) {
      const conflict = error instanceof DomainError && error.code === "version_mismatch";
      if (!conflict || c.req.header("If-Match")) throw error;
      if (attempt === WRITE_ATTEMPTS) {
        c.header("Retry-After", "1");
        throw new ScimError(
          503,
          `${current.id} was changed by ${attempt} other requests while this one ran; retry it.`,
        );
      }
      current = await reread();
    }
  }
}
