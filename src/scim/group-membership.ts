import { invalidPath, invalidValue } from "./errors";
import { requireMemberCount } from "./members-per-request";
import type { OperationPath, PatchOperation } from "./patch/operations";
import type { PatchPath } from "./patch/path";
import type { ValueFilter } from "./patch/value-filter";
import { isObject, type Json } from "./patch/values";
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

/** `urn:ietf:params:scim:schemas:core:2.0:Group:members` is the fully qualified form of `members` (RFC 7644 §3.10). */
const CORE_PREFIX = `${GROUP_SCHEMA.toLowerCase()}:`;
const isMembersKey = (key: string) =>
  (key.toLowerCase().startsWith(CORE_PREFIX) ? key.slice(CORE_PREFIX.length) : key).toLowerCase() === "members";

/**
 * `members`, or members selected by a value filter (`members[value eq "id"]`, with or without a
 * sub-attribute after it). `members.value` is not: like any sub-attribute path it goes to the document.
 */
const isMembersPath = (path: OperationPath): path is PatchPath & OperationPath =>
  "attribute" in path &&
  path.extension === undefined &&
  path.attribute.name === "members" &&
  (path.valueFilter !== undefined || path.subAttribute === undefined);

/** Splits a Group PATCH (operations parsed for the Group type) into membership row changes and attribute operations, folding the ops in order. */
export function planGroupPatch(operations: readonly PatchOperation[]): GroupPatchPlan {
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
  const counted = (ids: string[]) => {
    named += ids.length;
    requireMemberCount(named);
    return ids;
  };

  for (const operation of operations) {
    const { op, path, value } = operation;
    if (!path) {
      const { members, rest } = splitMembers(operation.value);
      if (members !== undefined) (op === "add" ? addIds : setAll)(counted(memberValues(members)));
      if (Object.keys(rest).length > 0 || members === undefined) attributeOperations.push({ op, value: rest });
      continue;
    }
    if (!isMembersPath(path)) {
      attributeOperations.push(operation);
      continue;
    }
    if (!path.valueFilter) {
      if (op === "add") addIds(counted(memberValues(value)));
      else if (op === "replace") setAll(value === null ? [] : counted(memberValues(value)));
      else if (value === undefined || value === null) setAll([]);
      else removeIds(counted(memberValues(value))); // only the listed members, never all of them
      continue;
    }
    if (op !== "remove") {
      throw invalidPath(`"${path.shape}": add members with the path "members" and a list of values.`);
    }
    if (path.subAttribute) {
      throw invalidPath(`"${path.shape}" is not a members filter such as members[value eq "<id>"].`);
    }
    removeIds(counted(idsInMemberFilter(path.valueFilter, path.shape)));
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
    if (isMembersKey(key)) members = item;
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
function idsInMemberFilter(filter: ValueFilter, shape: string): string[] {
  if (filter.op === "or") return filter.filters.flatMap((part) => idsInMemberFilter(part, shape));
  if (filter.op === "eq" && filter.attribute.name === "value" && typeof filter.value === "string")
    return [filter.value];
  throw invalidPath(`"${shape}": members can be selected by value eq "<id>" (joined with or) only.`);
}
