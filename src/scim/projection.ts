import type { ResourceTypeDefinition } from "./schemas/resource-type";

/** RFC 7644 §3.4.2.5: which attributes a response carries. */
export interface Projection {
  attributes?: string[];
  excludedAttributes?: string[];
}

/** Attributes every response carries whatever was asked (returned: "always"). */
const ALWAYS = new Set(["schemas", "id"]);

const splitList = (value: string | undefined) =>
  value
    ?.split(",")
    .map((name) => name.trim())
    .filter(Boolean);

export function parseProjection(query: { attributes?: string; excludedAttributes?: string }): Projection {
  const attributes = splitList(query.attributes);
  const excludedAttributes = splitList(query.excludedAttributes);
  // The two are mutually exclusive (RFC 7644 §3.9); `attributes` wins when a client sends both.
  if (attributes?.length) return { attributes };
  return excludedAttributes?.length ? { excludedAttributes } : {};
}

/** A requested name as [top-level key, sub-attribute?], with URN prefixes resolved to document keys. */
interface NamePath {
  key: string;
  sub?: string;
}

function toNamePath(name: string, type: ResourceTypeDefinition): NamePath {
  const lower = name.toLowerCase();
  for (const extension of type.extensions) {
    const urn = extension.id.toLowerCase();
    if (lower === urn) return { key: extension.id };
    if (lower.startsWith(`${urn}:`)) {
      const [attribute, sub] = name.slice(urn.length + 1).split(".");
      return { key: extension.id, sub: attribute + (sub ? `.${sub}` : "") };
    }
  }
  const core = type.schema.id.toLowerCase();
  const rest = lower.startsWith(`${core}:`) ? name.slice(core.length + 1) : name;
  const [key, sub] = rest.split(".");
  return { key, sub };
}

const keyOf = (resource: Record<string, unknown>, key: string) =>
  Object.keys(resource).find((k) => k.toLowerCase() === key.toLowerCase());

/** Applies `attributes` or `excludedAttributes` to a full response representation. */
export function projectResource(
  resource: Record<string, unknown>,
  projection: Projection,
  type: ResourceTypeDefinition,
): Record<string, unknown> {
  if (projection.attributes) return include(resource, projection.attributes.map((n) => toNamePath(n, type)));
  if (projection.excludedAttributes) {
    return exclude(resource, projection.excludedAttributes.map((n) => toNamePath(n, type)));
  }
  return resource;
}

function include(resource: Record<string, unknown>, paths: NamePath[]): Record<string, unknown> {
  const output: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(resource)) {
    if (ALWAYS.has(key)) {
      output[key] = value;
      continue;
    }
    const wanted = paths.filter((p) => p.key.toLowerCase() === key.toLowerCase());
    if (wanted.length === 0) continue;
    if (wanted.some((p) => !p.sub)) {
      output[key] = value;
      continue;
    }
    const picked = pick(value, wanted.map((p) => p.sub!));
    if (picked !== undefined) output[key] = picked;
  }
  return output;
}

function exclude(resource: Record<string, unknown>, paths: NamePath[]): Record<string, unknown> {
  const output = { ...resource };
  for (const path of paths) {
    const key = keyOf(output, path.key);
    if (!key || ALWAYS.has(key)) continue;
    if (!path.sub) {
      delete output[key];
      continue;
    }
    const remaining = drop(output[key], path.sub);
    if (remaining === undefined) delete output[key];
    else output[key] = remaining;
  }
  return output;
}

/** Keeps only the named sub-attributes of a complex value, or of each element of a multi-valued one. */
function pick(value: unknown, subs: string[]): unknown {
  if (Array.isArray(value)) {
    const picked = value.map((element) => pick(element, subs)).filter((e) => e !== undefined);
    return picked.length > 0 ? picked : undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  const object = value as Record<string, unknown>;
  const output: Record<string, unknown> = {};
  for (const sub of subs) {
    const [head, rest] = splitFirst(sub);
    const key = keyOf(object, head);
    if (!key) continue;
    const inner = rest ? pick(object[key], [rest]) : object[key];
    if (inner !== undefined) output[key] = inner;
  }
  return Object.keys(output).length > 0 ? output : undefined;
}

/** Removes a named sub-attribute; undefined when nothing is left. */
function drop(value: unknown, sub: string): unknown {
  if (Array.isArray(value)) {
    const kept = value.map((element) => drop(element, sub)).filter((e) => e !== undefined);
    return kept.length > 0 ? kept : undefined;
  }
  if (typeof value !== "object" || value === null) return value;
  const object = { ...(value as Record<string, unknown>) };
  const [head, rest] = splitFirst(sub);
  const key = keyOf(object, head);
  if (key) {
    const remaining = rest ? drop(object[key], rest) : undefined;
    if (remaining === undefined) delete object[key];
    else object[key] = remaining;
  }
  return Object.keys(object).length > 0 ? object : undefined;
}

function splitFirst(path: string): [string, string | undefined] {
  const dot = path.indexOf(".");
  return dot === -1 ? [path, undefined] : [path.slice(0, dot), path.slice(dot + 1)];
}

/** Whether a response will carry an attribute, so callers can skip reading what is excluded. */
export function isAttributeRequested(projection: Projection, type: ResourceTypeDefinition, name: string): boolean {
  const matches = (n: string) => toNamePath(n, type).key.toLowerCase() === name.toLowerCase();
  const named = (list: string[]) => list.some(matches);
  if (projection.attributes) return named(projection.attributes);
  if (projection.excludedAttributes) {
    return !projection.excludedAttributes.some((n) => matches(n) && !toNamePath(n, type).sub);
  }
  return true;
}
