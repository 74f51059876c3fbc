import { invalidValue } from "../errors";
import { normalizeSingleValue } from "../normalize";
import { type AttributeDefinition, findAttribute, isClientWritable } from "../schemas/definition";

export type Json = Record<string, unknown>;

export const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * Shapes one client value (one element, for a multi-valued attribute) by its definition, so the
 * document keeps canonical names and real types: each operation's values are checked against the
 * schema as it is applied, and the normaliser checks the patched document as a whole.
 */
export function prepareValue(value: unknown, definition: AttributeDefinition, path: string): unknown {
  if (definition.type === "complex") return prepareComplex(value, definition, path);
  return normalizeSingleValue(value, definition, path);
}

/**
 * A complex value with canonical sub-attribute names. Unknown and read-only sub-attributes are
 * dropped, as in POST bodies (Okta's member `display`); null ones are kept so that `merge` clears them.
 * A bare string stands for `{value}` when the attribute has one (Entra's manager).
 */
export function prepareComplex(value: unknown, definition: AttributeDefinition, path: string): Json {
  if (typeof value === "string" && findAttribute(definition.subAttributes, "value")) return { value };
  if (!isObject(value)) throw invalidValue(`${path} must be an object.`);
  const prepared: Json = {};
  for (const [key, item] of Object.entries(value)) {
    const sub = findAttribute(definition.subAttributes, key);
    if (!sub || !isClientWritable(sub)) continue;
    prepared[sub.name] = item === null ? null : prepareValue(item, sub, `${path}.${sub.name}`);
  }
  return prepared;
}

/** Sets the prepared sub-attributes on `target`, keeping the others; a null one removes it. */
export function merge(target: Json, prepared: Json): Json {
  for (const [key, item] of Object.entries(prepared)) {
    if (item === null) delete target[key];
    else target[key] = item;
  }
  return target;
}

/** The elements given for a multi-valued attribute (a list or one element), prepared; null and empty ones dropped. */
export function prepareElements(value: unknown, definition: AttributeDefinition, path: string): unknown[] {
  return (Array.isArray(value) ? value : [value])
    .filter((item) => item !== null && item !== undefined)
    .map((item) =>
      definition.type === "complex"
        ? merge({}, prepareComplex(item, definition, path))
        : prepareValue(item, definition, path),
    )
    .filter((item) => !isEmptyObject(item));
}

export const isEmptyObject = (value: unknown) => isObject(value) && Object.keys(value).length === 0;

/** Exact equality of two JSON values, whatever the order of their keys. */
export function sameValue(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, i) => sameValue(item, b[i]));
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((key) => key in b && sameValue(a[key], b[key]));
  }
  return a === b;
}
