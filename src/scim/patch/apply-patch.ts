import { invalidSyntax, invalidValue, mutability, noTarget } from "../errors";
import { toBoolean } from "../normalize";
import { findAttribute, type AttributeDefinition } from "../schemas/definition";
import { resolveAttributePath, type ResourceTypeDefinition } from "../schemas/resource-type";
import { elementFromFilter, matchesElement, valueOf } from "./match";
import { parsePatchPath, type PatchPath } from "./path";

export interface PatchOperation {
  op: string;
  path?: string;
  value?: unknown;
}

type Op = "add" | "replace" | "remove";
type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * Applies RFC 7644 §3.5.2 operations, in order, to a copy of a stored document and returns it.
 * The first bad operation throws, so a caller that writes only the result applies all or nothing.
 * Accepts what Okta and Entra really send: capitalised ops, string booleans, path-less values keyed
 * by paths, bare-string managers, and add/replace on an unmatched value filter creating the element.
 */
export function applyPatch(
  document: Json,
  operations: PatchOperation[],
  type: ResourceTypeDefinition,
): Json {
  const result = structuredClone(document);
  for (const operation of operations) {
    const op = operationName(operation.op);
    if (operation.path === undefined || operation.path.trim() === "") applyWithoutPath(result, op, operation.value, type);
    else applyAtPath(result, op, operation.path, operation.value, type);
  }
  return result;
}

function operationName(op: string): Op {
  const lower = String(op).toLowerCase();
  if (lower === "add" || lower === "replace" || lower === "remove") return lower;
  throw invalidSyntax(`"${op}" is not a PATCH operation: use add, replace or remove.`);
}

/** No path: the value's keys are attribute paths (or extension URNs); read-only and unknown keys are ignored. */
function applyWithoutPath(document: Json, op: Op, value: unknown, type: ResourceTypeDefinition) {
  if (op === "remove") throw noTarget("A remove operation needs a path.");
  if (!isObject(value)) throw invalidValue(`A ${op} without a path needs an object value.`);
  for (const [key, item] of Object.entries(value)) {
    const extension = type.extensions.find((schema) => schema.id.toLowerCase() === key.toLowerCase());
    if (extension && isObject(item)) {
      for (const [subKey, subItem] of Object.entries(item)) {
        applyKey(document, op, `${extension.id}:${subKey}`, subItem, type);
      }
    } else {
      applyKey(document, op, key, item, type);
    }
  }
}

function applyKey(document: Json, op: Op, key: string, value: unknown, type: ResourceTypeDefinition) {
  const resolved = resolveAttributePath(type, key);
  if (!resolved || !clientWritable(resolved.attribute) || (resolved.subAttribute && !clientWritable(resolved.subAttribute))) {
    return;
  }
  applyToTarget(document, op, resolved, value);
}

function applyAtPath(document: Json, op: Op, path: string, value: unknown, type: ResourceTypeDefinition) {
  const extension = type.extensions.find((schema) => schema.id.toLowerCase() === path.trim().toLowerCase());
  if (extension) {
    if (op === "remove") delete document[extension.id];
    else applyWithoutPath(document, op, { [extension.id]: value }, type);
    return;
  }
  const target = parsePatchPath(path, type);
  const definition = target.subAttribute ?? target.attribute;
  if (target.attribute.mutability === "readOnly" || definition.mutability === "readOnly") {
    throw mutability(`"${path}" is read-only.`);
  }
  if (target.attribute.mutability === "writeOnly") return; // password: accepted and discarded
  applyToTarget(document, op, target, value);
}

const clientWritable = (definition: AttributeDefinition) =>
  definition.mutability !== "readOnly" && definition.mutability !== "writeOnly";

function applyToTarget(document: Json, op: Op, target: PatchPath, value: unknown) {
  const container = containerFor(document, target.extension, op);
  if (!container) return; // removing from an extension that is not there
  const { attribute, subAttribute, valueFilter } = target;
  const name = attribute.name;
  if (op !== "remove" && value === null) op = "remove"; // replacing with null clears (RFC 7644 §3.5.2.3)

  if (valueFilter) {
    const elements = asElements(container[name]);
    const matched = elements.filter((element) => matchesElement(valueFilter, element, attribute));
    if (op === "remove") {
      if (subAttribute) matched.forEach((element) => deleteKey(element, subAttribute.name));
      setOrDelete(container, name, subAttribute ? elements : elements.filter((e) => !matched.includes(e)));
      return;
    }
    if (matched.length === 0) {
      const created = elementFromFilter(valueFilter, attribute);
      if (!created) throw noTarget(`No ${name} value matches the filter, and the filter does not describe a new one.`);
      elements.push(created);
      matched.push(created);
    }
    for (const element of matched) writeInto(element, subAttribute, attribute, value);
    container[name] = elements;
    return;
  }

  if (subAttribute) {
    if (attribute.multiValued) {
      // `emails.display`: every element's sub-attribute.
      const elements = asElements(container[name]);
      for (const element of elements) {
        if (op === "remove") deleteKey(element, subAttribute.name);
        else element[subAttribute.name] = coerce(value, subAttribute, `${name}.${subAttribute.name}`);
      }
      setOrDelete(container, name, elements);
      return;
    }
    const object = isObject(container[name]) ? (container[name] as Json) : {};
    if (op === "remove") deleteKey(object, subAttribute.name);
    else object[subAttribute.name] = coerce(value, subAttribute, `${name}.${subAttribute.name}`);
    setOrDelete(container, name, object);
    return;
  }

  if (op === "remove") {
    const listed = Array.isArray(value) ? value.filter(isObject) : [];
    if (attribute.multiValued && listed.length > 0) {
      // Remove only the listed values (Entra's member removal), never the whole attribute.
      const remaining = asElements(container[name]).filter((e) => !listed.some((l) => sameElement(e, l, attribute)));
      setOrDelete(container, name, remaining);
    } else {
      delete container[name];
    }
    return;
  }

  if (attribute.multiValued) {
    const incoming = (Array.isArray(value) ? value : [value]).map((v) => coerce(v, attribute, name));
    const existing: unknown[] = op === "add" ? asElements(container[name]) : [];
    for (const element of incoming) {
      const duplicate = isObject(element) && existing.some((e) => isObject(e) && sameElement(e, element, attribute));
      if (!duplicate) existing.push(element);
    }
    container[name] = existing;
    return;
  }
  const coerced = coerce(value, attribute, name);
  // Add and replace on a complex attribute set the given sub-attributes and keep the others (§3.5.2.1, §3.5.2.3).
  container[name] =
    attribute.type === "complex" && isObject(container[name]) && isObject(coerced)
      ? { ...(container[name] as Json), ...coerced }
      : coerced;
}

function containerFor(document: Json, extension: string | undefined, op: Op): Json | undefined {
  if (!extension) return document;
  if (!isObject(document[extension])) {
    if (op === "remove") return undefined;
    document[extension] = {};
    const schemas = Array.isArray(document.schemas) ? document.schemas : [];
    if (!schemas.includes(extension)) document.schemas = [...schemas, extension];
  }
  return document[extension] as Json;
}

function writeInto(element: Json, subAttribute: AttributeDefinition | undefined, attribute: AttributeDefinition, value: unknown) {
  if (subAttribute) {
    element[subAttribute.name] = coerce(value, subAttribute, `${attribute.name}.${subAttribute.name}`);
    return;
  }
  const coerced = coerce(value, { ...attribute, multiValued: false }, attribute.name);
  if (!isObject(coerced)) throw invalidValue(`A value for ${attribute.name}[...] must be an object.`);
  Object.assign(element, coerced);
}

/** Coerces by the schema: string booleans to booleans, bare strings to {value}, canonical sub-attribute names. */
function coerce(value: unknown, definition: AttributeDefinition, path: string): unknown {
  if (definition.type === "boolean") return toBoolean(value, path);
  if (definition.type !== "complex") return value;
  if (typeof value === "string" && findAttribute(definition.subAttributes, "value")) return { value };
  if (!isObject(value)) return value; // the normaliser names what is wrong with it
  const object: Json = {};
  for (const [key, item] of Object.entries(value)) {
    const sub = findAttribute(definition.subAttributes, key);
    if (!sub) continue;
    object[sub.name] = item === null ? null : coerce(item, sub, `${path}.${sub.name}`);
  }
  return object;
}

/** Two elements are the same value when their `value` (and `type`, if any) agree, or when they are identical. */
function sameElement(a: Json, b: Json, attribute: AttributeDefinition): boolean {
  const valueA = valueOf(a, "value");
  const valueB = valueOf(b, "value");
  if (valueA === undefined || valueB === undefined) return JSON.stringify(a) === JSON.stringify(b);
  const caseExact = findAttribute(attribute.subAttributes, "value")?.caseExact ?? false;
  const fold = (v: unknown) => (typeof v === "string" && !caseExact ? v.toLowerCase() : v);
  const typeA = valueOf(a, "type");
  const typeB = valueOf(b, "type");
  return fold(valueA) === fold(valueB) && (typeA === undefined || typeB === undefined || typeA === typeB);
}

function asElements(value: unknown): Json[] {
  if (Array.isArray(value)) return value.filter(isObject);
  return isObject(value) ? [value] : [];
}

function setOrDelete(container: Json, name: string, value: Json | Json[]) {
  const empty = Array.isArray(value) ? value.length === 0 : Object.keys(value).length === 0;
  if (empty) delete container[name];
  else container[name] = value;
}

function deleteKey(object: Json, name: string) {
  const key = Object.keys(object).find((k) => k.toLowerCase() === name.toLowerCase());
  if (key !== undefined) delete object[key];
}
