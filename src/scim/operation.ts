import type { GroupPatchPlan } from "./group-membership";
import type { PatchOperation } from "./patch/operations";
import { patchPathShape } from "./patch/path";

/** What a SCIM request was about, for the request log. */
export interface RequestDescription {
  /** `User`, `Group`, or the discovery document asked for. */
  resourceType?: string;
  resourceId?: string;
  /** In words: `create user`, `patch group: add 3 members, remove 1`. */
  operation: string;
}

const RESOURCES: Record<string, { type: string; one: string; many: string }> = {
  Users: { type: "User", one: "user", many: "users" },
  Groups: { type: "Group", one: "group", many: "groups" },
};
const DISCOVERY: Record<string, string> = {
  ServiceProviderConfig: "service provider config",
  ResourceTypes: "resource types",
  Schemas: "schemas",
};
const ITEM_VERBS: Record<string, string> = { GET: "get", PUT: "replace", PATCH: "patch", DELETE: "delete" };

/**
 * Names a request from its method and its path below the Tenant URL (`Users/<id>`), plus what the
 * handler found it did (`detail`, e.g. the PATCH's operations in words).
 */
export function describeRequest(method: string, segments: string[], detail?: string): RequestDescription {
  const [first = "", second] = segments;
  const withDetail = (operation: string) => (detail ? `${operation}: ${detail}` : operation);
  const resource = RESOURCES[first];
  if (resource && second === ".search") return { resourceType: resource.type, operation: `search ${resource.many}` };
  if (resource && second !== undefined) {
    const verb = ITEM_VERBS[method] ?? method.toLowerCase();
    return { resourceType: resource.type, resourceId: second, operation: withDetail(`${verb} ${resource.one}`) };
  }
  if (resource) {
    const operation = method === "POST" ? `create ${resource.one}` : `list ${resource.many}`;
    return { resourceType: resource.type, operation: withDetail(operation) };
  }
  if (first === ".search") return { operation: "search users and groups" };
  if (DISCOVERY[first]) {
    return { resourceType: first, resourceId: second, operation: `get ${DISCOVERY[first]}` };
  }
  return { resourceType: first || undefined, operation: `${method.toLowerCase()} ${segments.join("/") || "/"}` };
}

const MAX_NAMED = 4;
/** Paths come from the client: each one's shape is cut to this length, so a hostile one cannot bloat the log. */
const MAX_TARGET_LENGTH = 80;

/** A user PATCH in words: `deactivate`, `replace title, add emails`. */
export function describeUserPatch(operations: readonly PatchOperation[]): string {
  const parts: string[] = [];
  for (const operation of operations) {
    for (const [target, value] of targetsOf(operation)) {
      if (target.toLowerCase() === "active" && operation.op !== "remove") {
        parts.push(String(value).toLowerCase() === "false" ? "deactivate" : "reactivate");
      } else {
        parts.push(`${operation.op} ${target}`);
      }
    }
  }
  return summarize(parts);
}

/** A group PATCH in words: `add 3 members, remove 1`, `replace members with 12`, `rename`. */
export function describeGroupPatch(plan: GroupPatchPlan): string {
  const { replace, add, remove } = plan.membership;
  const parts: string[] = [];
  if (replace) parts.push(`replace members with ${count(replace.length, "member")}`);
  if (add.length > 0) parts.push(`add ${count(add.length, "member")}`);
  if (remove.length > 0) parts.push(`remove ${add.length > 0 ? remove.length : count(remove.length, "member")}`);
  for (const operation of plan.attributeOperations) {
    for (const [target] of targetsOf(operation)) {
      if (target === "id") continue; // Okta repeats the group's id in a rename; it changes nothing
      parts.push(target.toLowerCase() === "displayname" ? "rename" : `${operation.op} ${target}`);
    }
  }
  return summarize(parts);
}

/**
 * The attributes an operation names, each as its path's shape (no filter literal: they are request
 * data): its path, or the keys of a path-less value.
 */
function targetsOf(operation: PatchOperation): [string, unknown][] {
  const targets: [string, unknown][] = operation.path
    ? [[operation.path.shape, operation.value]]
    : Object.entries(operation.value).map(([key, value]) => [patchPathShape(key), value]);
  return targets.map(([target, value]) => [target.slice(0, MAX_TARGET_LENGTH), value]);
}

function summarize(parts: string[]): string {
  const unique = [...new Set(parts)];
  const named = unique.slice(0, MAX_NAMED).join(", ");
  return unique.length > MAX_NAMED ? `${named} and ${unique.length - MAX_NAMED} more` : named;
}

const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? "" : "s"}`;
