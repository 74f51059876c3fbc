import { invalidPath, invalidValue, ScimError } from "./errors";
import type { Compare, Filter } from "./filter/ast";
import { parseFilter } from "./filter/parse";
import { requireMemberCount } from "./members-per-request";
import type { PatchOperation } from "./patch/apply-patch";
import { patchPathShape } from "./patch/path";
import { GROUP_SCHEMA } from "./schemas/urns";

/**
 * What a Group PATCH does to membership, as row changes: never the whole list read, modified and
 * written back. `replace` (a full push, or removing every member) is the new complete list, to be
 * diffed against the stored rows; `add` and `remove` are applied after it.
 */
export interface MembershipChange {
  replace?: string[];
  add: string[];
  remove: string[];
}

export interface GroupPatchPlan {
  membership: MembershipChange;
  /** Everything that is not about members (displayName, externalId), for applyPatch on the group. */
  attributeOperations: PatchOperation[];
}

type Json = Record<string, unknown>;

/** `urn:ietf:params:scim:schemas:core:2.0:Group:members…` is the fully qualified form of `members…` (RFC 7644 §3.10). */
const CORE_PREFIX = `${GROUP_SCHEMA.toLowerCase()}:`;
const unqualified = (path: string) =>
  path.toLowerCase().startsWith(CORE_PREFIX) ? path.slice(CORE_PREFIX.length) : path;
const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** Splits a Group PATCH into membership row changes and attribute operations, folding the ops in order. */
export function planGroupPatch(operations: PatchOperation[]): GroupPatchPlan {
  let replace: Set<string> | undefined;
  const add = new Set<string>();
  const remove = new Set<string>();
  const attributeOperations: PatchOperation[] = [];

  const setAll = (ids: string[]) => {
    replace = new Set(ids);
    add.clear();
    remove.clear();
  };
  const addIds = (ids: string[]) => {
    for (const id of ids) {
      if (replace) replace.add(id);
      else {
        add.add(id);
        remove.delete(id);
      }
    }
  };
  const removeIds = (ids: string[]) => {
    for (const id of ids) {
      if (replace) replace.delete(id);
      else {
        remove.add(id);
        add.delete(id);
      }
    }
  };

  let named = 0;
  const memberIds = (value: unknown) => {
    const ids = memberValues(value);
    named += ids.length;
    requireMemberCount(named);
    return ids;
  };

  for (const operation of operations) {
    const op = String(operation.op).toLowerCase();
    const trimmed = operation.path?.trim();
    const path = trimmed && unqualified(trimmed);
    if (op !== "add" && op !== "replace" && op !== "remove") {
      attributeOperations.push(operation); // applyPatch refuses the unknown op
      continue;
    }
    if (!path) {
      if (op === "remove" || !isObject(operation.value)) {
        attributeOperations.push(operation); // applyPatch explains what is wrong with it
        continue;
      }
      const { members, rest } = splitMembers(operation.value);
      if (members !== undefined) (op === "add" ? addIds : setAll)(memberIds(members));
      if (Object.keys(rest).length > 0 || members === undefined)
        attributeOperations.push({ ...operation, value: rest });
      continue;
    }
    if (!/^members(\[|$)/i.test(path)) {
      attributeOperations.push(operation);
      continue;
    }
    if (path.length === "members".length) {
      if (op === "add") addIds(memberIds(operation.value));
      else if (op === "replace") setAll(operation.value === null ? [] : memberIds(operation.value));
      else if (operation.value === undefined || operation.value === null) setAll([]);
      else removeIds(memberIds(operation.value)); // only the listed members, never all of them
      continue;
    }
    if (op !== "remove") {
      throw invalidPath(`"${patchPathShape(path)}": add members with the path "members" and a list of values.`);
    }
    const ids = idsInMemberFilter(path);
    named += ids.length;
    requireMemberCount(named);
    removeIds(ids);
  }
  return {
    membership: { replace: replace && [...replace], add: [...add], remove: [...remove] },
    attributeOperations,
  };
}

function splitMembers(value: Json): { members: unknown; rest: Json } {
  const rest: Json = {};
  let members: unknown;
  for (const [key, item] of Object.entries(value)) {
    if (unqualified(key).toLowerCase() === "members") members = item;
    else rest[key] = item;
  }
  return { members, rest };
}

/** `[{"value":"id","display":"…"}]`, a single such object, or Entra's `{"$ref":null,"value":"id"}`. */
function memberValues(value: unknown): string[] {
  const elements = Array.isArray(value) ? value : [value];
  return elements.map((element) => {
    const id = isObject(element) ? element.value : undefined;
    if (typeof id !== "string" || id === "") {
      throw invalidValue('Each member must be an object with a "value" holding a user id.');
    }
    return id;
  });
}

/** `members[value eq "id"]`, or several such terms joined with `or`: the ids to remove. */
function idsInMemberFilter(path: string): string[] {
  const match = /^members\[(.*)\]$/is.exec(path);
  if (!match) throw invalidPath(`"${patchPathShape(path)}" is not a members filter such as members[value eq "<id>"].`);
  let filter: Filter;
  try {
    filter = parseFilter(match[1]);
  } catch (error) {
    throw error instanceof ScimError
      ? invalidPath(`The path "${patchPathShape(path)}" has a bad filter: ${error.detail}`)
      : error;
  }
  const ids = (f: Filter): string[] => {
    if (f.op === "or") return (f as { filters: Filter[] }).filters.flatMap(ids);
    const { attrPath, compValue } = f as Compare;
    if (f.op === "eq" && attrPath.toLowerCase() === "value" && typeof compValue === "string") return [compValue];
    throw invalidPath(`"${patchPathShape(path)}": members can be selected by value eq "<id>" (joined with or) only.`);
  };
  return ids(filter);
}
