import { invalidSyntax, invalidValue, mutability, noTarget } from "../errors";
import type { SchemaDefinition } from "../schemas/definition";
import type { ResourceTypeDefinition } from "../schemas/resource-type";
import { findExtension, type PatchPath, parsePatchPath, patchPathShape, restriction } from "./path";
import { isObject, type Json } from "./values";

/** RFC 7644 §3.5.2's operations, whatever case the client wrote them in (Entra's `Replace`). */
export type PatchOp = "add" | "replace" | "remove";

/** One operation as a PatchOp body carries it: `op` and `path` as the client wrote them. */
export interface PatchRequestOperation {
  op: string;
  path?: string;
  value?: unknown;
}

/** An operation's path resolved against the resource type: an attribute (PatchPath) or a whole extension. */
export type OperationPath = (PatchPath | { schema: SchemaDefinition }) & {
  /** The path's shape (patchPathShape): errors and the request log name it by this, never by its literals. */
  shape: string;
};

/**
 * One operation of a PatchOp request, parsed. Without a path, the value is an object whose keys are
 * attribute paths and extension URNs, resolved as it is applied, as a POST body's keys are.
 */
export type PatchOperation =
  | { op: PatchOp; path: OperationPath; value?: unknown }
  | { op: "add" | "replace"; path?: undefined; value: Json };

/**
 * Parses a PatchOp request's operations once, in order, against the resource type: `op` into its
 * union, `path` resolved (an attribute, its elements through a value filter, a sub-attribute, or a
 * whole extension). Whatever does not depend on the stored resource is refused here with a 400
 * naming the path by its shape: an unknown op (invalidSyntax), a remove without a path (noTarget), an
 * add or replace without a value or a path-less value that is not an object (invalidValue), a path
 * that does not resolve (invalidPath), a read-only target (mutability).
 */
export function parsePatchOperations(
  operations: readonly PatchRequestOperation[],
  type: ResourceTypeDefinition,
): PatchOperation[] {
  return operations.map((operation) => parseOperation(operation, type));
}

function parseOperation(operation: PatchRequestOperation, type: ResourceTypeDefinition): PatchOperation {
  const op = operationName(operation.op);
  const { value } = operation;
  const path = operation.path?.trim();
  if (!path) {
    if (op === "remove") throw noTarget("A remove operation needs a path.");
    if (!isObject(value)) throw invalidValue(`A ${op} operation without a path needs an object value.`);
    return { op, value };
  }
  const shape = patchPathShape(path);
  if (op !== "remove" && value === undefined) throw invalidValue(`The ${op} operation on "${shape}" has no value.`);
  const schema = findExtension(type, path);
  if (schema) return { op, path: { schema, shape }, value };
  const target = parsePatchPath(path, type);
  if (restriction(target) === "readOnly") throw mutability(`"${shape}" is read-only.`);
  return { op, path: { ...target, shape }, value };
}

function operationName(op: string): PatchOp {
  const lower = op.toLowerCase();
  if (lower === "add" || lower === "replace" || lower === "remove") return lower;
  throw invalidSyntax(`"${op}" is not a PATCH operation: use add, replace or remove.`);
}
