import { invalidSyntax, invalidValue } from "./errors";
import { findAttribute, type AttributeDefinition } from "./schemas/definition";
import type { ResourceTypeDefinition } from "./schemas/resource-type";
import { commonAttributes } from "./schemas/common";

/** RFC 7643 leaves sizes to the server; these keep one resource small and predictable. */
export const LIMITS = {
  /** userName and email values: the longest valid email address. */
  emailLength: 254,
  stringLength: 1024,
  multiValuedCount: 100,
} as const;

const EMAIL_LIMITED = new Set(["userName", "emails.value"]);

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * Turns a client's resource body into the stored document: canonical attribute names, coerced
 * types, extension attributes under their URN. Unknown, read-only and null attributes are ignored
 * (clients send them freely); `password` is discarded; anything malformed is a 400 naming it.
 */
export function normalizeResource(input: unknown, type: ResourceTypeDefinition): Json {
  if (!isObject(input)) throw invalidSyntax("The request body must be a JSON object.");
  const document: Json = {};
  const extensions: Json = {};
  for (const [key, value] of Object.entries(input)) {
    const extension = type.extensions.find((schema) => schema.id.toLowerCase() === key.toLowerCase());
    if (extension) {
      if (!isObject(value)) continue;
      const attributes = normalizeAttributes(value, extension.attributes, `${extension.id}:`);
      if (Object.keys(attributes).length > 0) extensions[extension.id] = attributes;
      continue;
    }
    const coreKey = key.toLowerCase().startsWith(`${type.schema.id.toLowerCase()}:`)
      ? key.slice(type.schema.id.length + 1)
      : key;
    const definition = findAttribute(type.schema.attributes, coreKey) ?? findAttribute(commonAttributes, coreKey);
    if (!definition || !writable(definition)) continue;
    const normalized = normalizeValue(value, definition, definition.name);
    if (normalized !== undefined) document[definition.name] = normalized;
  }
  for (const attribute of type.schema.attributes.filter((a) => a.required)) {
    const value = document[attribute.name];
    if (value === undefined || value === "") throw invalidValue(`${attribute.name} is required.`);
  }
  return {
    schemas: [type.schema.id, ...Object.keys(extensions)],
    ...document,
    ...extensions,
  };
}

function normalizeAttributes(input: Json, definitions: readonly AttributeDefinition[], prefix: string): Json {
  const output: Json = {};
  for (const [key, value] of Object.entries(input)) {
    const definition = findAttribute(definitions, key);
    if (!definition || !writable(definition)) continue;
    const normalized = normalizeValue(value, definition, `${prefix}${definition.name}`);
    if (normalized !== undefined) output[definition.name] = normalized;
  }
  return output;
}

/** Client-writable: not read-only (id, meta, groups) and not write-only (password, which we never keep). */
const writable = (definition: AttributeDefinition) =>
  definition.mutability !== "readOnly" && definition.mutability !== "writeOnly";

function normalizeValue(value: unknown, definition: AttributeDefinition, path: string): unknown {
  if (value === null || value === undefined) return undefined;
  if (!definition.multiValued) return normalizeSingle(value, definition, path);
  const values = Array.isArray(value) ? value : [value];
  const normalized = values
    .map((element) => normalizeSingle(element, definition, path))
    .filter((element) => element !== undefined);
  if (normalized.length > LIMITS.multiValuedCount) {
    throw invalidValue(`${path} has ${normalized.length} values; at most ${LIMITS.multiValuedCount} are allowed.`);
  }
  return normalized;
}

function normalizeSingle(value: unknown, definition: AttributeDefinition, path: string): unknown {
  if (value === null || value === undefined) return undefined;
  switch (definition.type) {
    case "complex":
      return normalizeComplex(value, definition, path);
    case "boolean":
      return toBoolean(value, path);
    case "integer":
    case "decimal":
      if (typeof value === "number" && Number.isFinite(value)) return value;
      throw invalidValue(`${path} must be a number.`);
    default:
      return toBoundedString(value, path);
  }
}

function normalizeComplex(value: unknown, definition: AttributeDefinition, path: string): Json | undefined {
  // A bare string for a complex attribute with a `value` (Entra's manager) means { value }.
  const hasValue = findAttribute(definition.subAttributes, "value");
  const object = typeof value === "string" && hasValue ? { value } : value;
  if (!isObject(object)) throw invalidValue(`${path} must be an object.`);
  const output: Json = {};
  for (const [key, subValue] of Object.entries(object)) {
    const sub = findAttribute(definition.subAttributes, key);
    if (!sub || sub.mutability === "readOnly" || subValue === null || subValue === undefined) continue;
    output[sub.name] = normalizeSingle(subValue, sub, `${path}.${sub.name}`);
  }
  return Object.keys(output).length > 0 ? output : undefined;
}

/** Booleans arrive as JSON booleans or, from Entra, as "True"/"False". */
export function toBoolean(value: unknown, path: string): boolean {
  if (typeof value === "boolean") return value;
  if (typeof value === "string" && /^(true|false)$/i.test(value.trim())) return value.trim().toLowerCase() === "true";
  throw invalidValue(`${path} must be true or false.`);
}

function toBoundedString(value: unknown, path: string): string {
  let text: string;
  if (typeof value === "string") text = value;
  else if (typeof value === "number" && Number.isFinite(value)) text = String(value);
  else throw invalidValue(`${path} must be a string.`);
  const limit = EMAIL_LIMITED.has(path) ? LIMITS.emailLength : LIMITS.stringLength;
  if (text.length > limit) throw invalidValue(`${path} is longer than ${limit} characters.`);
  return text;
}

const EMAIL = /^[^\s@]+@[^\s@]+$/;

/**
 * The member's email: userName when it is an email (Okta's username format), otherwise the
 * primary email, else the work email, else the first one.
 */
export function memberEmail(document: Json): { email: string; emailLower: string } {
  const userName = typeof document.userName === "string" ? document.userName : "";
  const emails = (Array.isArray(document.emails) ? document.emails : []).filter(
    (e): e is Json => isObject(e) && typeof e.value === "string" && EMAIL.test(e.value),
  );
  const chosen = EMAIL.test(userName)
    ? userName
    : ((emails.find((e) => e.primary === true) ??
        emails.find((e) => String(e.type).toLowerCase() === "work") ??
        emails[0])?.value as string | undefined);
  if (!chosen) {
    throw invalidValue(
      `userName "${userName}" is not an email address and the user has no email: a member needs an email address.`,
    );
  }
  return { email: chosen, emailLower: chosen.toLowerCase() };
}
