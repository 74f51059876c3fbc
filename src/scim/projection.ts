import { commonAttributes } from "./schemas/common";
import { type ResourceTypeDefinition, resolveAttributePath } from "./schemas/resource-type";

/** RFC 7644 §3.4.2.5: which attributes a response carries. */
export interface Projection {
  attributes?: string[];
  excludedAttributes?: string[];
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const splitList = (value: string | undefined) =>
  (value ?? "")
    .split(",")
    .map((name) => name.trim())
    .filter(Boolean);

/** The query parameters as lists; `attributes` wins when a client sends both (RFC 7644 §3.9 forbids it). */
export function parseProjection(query: { attributes?: string; excludedAttributes?: string }): Projection {
  const attributes = splitList(query.attributes);
  if (attributes.length > 0) return { attributes };
  const excludedAttributes = splitList(query.excludedAttributes);
  return excludedAttributes.length > 0 ? { excludedAttributes } : {};
}

/**
 * A requested name as the keys leading to it in a response, canonically spelled:
 * `name.givenName` → [name, givenName]; `urn:…:enterprise:2.0:User:manager.value` →
 * [urn, manager, value]; a whole extension URN → [urn]. Undefined for unknown names.
 */
function keyPath(type: ResourceTypeDefinition, name: string): string[] | undefined {
  const extension = type.extensions.find((schema) => schema.id.toLowerCase() === name.toLowerCase());
  if (extension) return [extension.id];
  const resolved = resolveAttributePath(type, name);
  if (!resolved) return undefined;
  const { extension: urn, attribute, subAttribute } = resolved;
  return [...(urn ? [urn] : []), attribute.name, ...(subAttribute ? [subAttribute.name] : [])];
}

const keyPaths = (type: ResourceTypeDefinition, names: string[]) =>
  names.map((name) => keyPath(type, name)).filter((path) => path !== undefined);

/** Top-level keys by RFC 7643 `returned`: `schemas` and `id` always; `password` never. */
function returned(type: ResourceTypeDefinition, value: "always" | "never"): Set<string> {
  const names = [...type.schema.attributes, ...commonAttributes]
    .filter((attribute) => attribute.returned === value)
    .map((attribute) => attribute.name);
  return new Set(value === "always" ? ["schemas", ...names] : names);
}

/**
 * Applies `attributes` or `excludedAttributes` to a full response representation. Unknown names
 * are ignored; an extension or complex value left empty is dropped, while `schemas` stays as the
 * resource has it (it is returned "always" and still names the schemas the resource uses).
 */
export function projectResource(resource: Json, projection: Projection, type: ResourceTypeDefinition): Json {
  const always = returned(type, "always");
  const never = returned(type, "never");
  const selection = projection.attributes && selectionTree(keyPaths(type, projection.attributes));
  let remaining = resource;
  for (const path of selection ? [] : keyPaths(type, projection.excludedAttributes ?? [])) {
    if (!always.has(path[0])) remaining = (without(remaining, path) as Json | undefined) ?? {};
  }
  const output: Json = {};
  for (const [key, value] of Object.entries(remaining)) {
    if (never.has(key)) continue;
    const kept = always.has(key) || !selection ? value : pick(value, selection.get(key));
    if (kept !== undefined) output[key] = kept;
  }
  return output;
}

/** Requested key paths as a tree; `true` marks a key wanted whole. */
type Selection = Map<string, Selection | true>;

function selectionTree(paths: string[][]): Selection {
  const root: Selection = new Map();
  for (const path of paths) {
    let node = root;
    for (const [index, key] of path.entries()) {
      const existing = node.get(key);
      if (existing === true) break; // a parent asked for whole covers its children
      if (index === path.length - 1) {
        node.set(key, true);
        break;
      }
      const child: Selection = existing ?? new Map();
      node.set(key, child);
      node = child;
    }
  }
  return root;
}

/** The selected part of a value: of each element of a list, of the keys of an object. */
function pick(value: unknown, selection: Selection | true | undefined): unknown {
  if (selection === undefined) return undefined;
  if (selection === true) return value;
  if (Array.isArray(value)) return nonEmptyList(value.map((element) => pick(element, selection)));
  if (!isObject(value)) return undefined;
  const output: Json = {};
  for (const [key, item] of Object.entries(value)) {
    const picked = pick(item, selection.get(key));
    if (picked !== undefined) output[key] = picked;
  }
  return nonEmptyObject(output);
}

/** The value without the key path, in each element of a list; undefined when nothing is left. */
function without(value: unknown, path: string[]): unknown {
  if (Array.isArray(value)) return nonEmptyList(value.map((element) => without(element, path)));
  const [key, ...rest] = path;
  if (!isObject(value) || !Object.hasOwn(value, key)) return value;
  const { [key]: inner, ...others } = value;
  const remaining = rest.length > 0 ? without(inner, rest) : undefined;
  return nonEmptyObject(remaining === undefined ? others : { ...value, [key]: remaining });
}

const nonEmptyList = (list: unknown[]) => {
  const kept = list.filter((element) => element !== undefined);
  return kept.length > 0 ? kept : undefined;
};

const nonEmptyObject = (object: Json) => (Object.keys(object).length > 0 ? object : undefined);

/**
 * Whether a response will carry an attribute (or part of it), so callers can skip reading what is
 * excluded, such as a group's members.
 */
export function isAttributeRequested(projection: Projection, type: ResourceTypeDefinition, name: string): boolean {
  const target = keyPath(type, name);
  if (!target) return false;
  if (returned(type, "always").has(target[0])) return true;
  if (returned(type, "never").has(target[0])) return false;
  const startsWith = (path: string[], prefix: string[]) => prefix.every((key, index) => path[index] === key);
  if (projection.attributes) {
    return keyPaths(type, projection.attributes).some((path) => startsWith(path, target) || startsWith(target, path));
  }
  return !keyPaths(type, projection.excludedAttributes ?? []).some((path) => startsWith(target, path));
}
