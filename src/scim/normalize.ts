import { invalidSyntax, invalidValue } from "./errors";
import { commonAttributes } from "./schemas/common";
import { type AttributeDefinition, findAttribute, isClientWritable } from "./schemas/definition";
import type { ResourceTypeDefinition } from "./schemas/resource-type";

/** RFC 7643 leaves sizes to the server; these keep one resource small and predictable. */
export interface NormalizeLimits {
  /** userName and emails[].value: the longest valid email address (RFC 5321). */
  emailLength: number;
  /** Every other string. */
  stringLength: number;
  /** Elements of one multi-valued attribute. */
  multiValuedCount: number;
}

export const NORMALIZE_LIMITS: Readonly<NormalizeLimits> = {
  emailLength: 254,
  stringLength: 1024,
  multiValuedCount: 100,
};

/** Paths holding email addresses, held to the shorter limit. */
const EMAIL_PATHS = new Set(["userName", "emails.value"]);

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * Turns a client's resource body into the stored document: canonical attribute names, coerced
 * types, extension attributes under their URN, `schemas` recomputed from what is present. Unknown,
 * read-only and null attributes are ignored (clients send them freely); `password` is discarded;
 * anything malformed is a 400 invalidValue naming its path.
 */
export function normalizeResource(input: unknown, type: ResourceTypeDefinition): Json {
  if (!isObject(input)) throw invalidSyntax("The request body must be a JSON object.");
  const corePrefix = `${type.schema.id.toLowerCase()}:`;
  const coreInput: Json = {};
  const extensions: Json = {};
  for (const [key, value] of Object.entries(input)) {
    const extension = type.extensions.find((schema) => schema.id.toLowerCase() === key.toLowerCase());
    if (!extension) {
      // `urn:...:core:2.0:User:userName` is the fully qualified form of `userName` (RFC 7644 §3.10).
      coreInput[key.toLowerCase().startsWith(corePrefix) ? key.slice(corePrefix.length) : key] = value;
      continue;
    }
    if (value === null) continue;
    if (!isObject(value)) throw invalidValue(`${extension.id} must be an object of ${extension.name} attributes.`);
    const attributes = normalizeAttributes(value, extension.attributes, `${extension.id}:`);
    if (Object.keys(attributes).length > 0) extensions[extension.id] = attributes;
  }
  const document = normalizeAttributes(coreInput, [...type.schema.attributes, ...commonAttributes], "");
  return { schemas: [type.schema.id, ...Object.keys(extensions)], ...document, ...extensions };
}

/** The attributes of one level (resource, extension or complex value), by their definitions. */
function normalizeAttributes(input: Json, definitions: readonly AttributeDefinition[], prefix: string): Json {
  const output: Json = {};
  for (const [key, value] of Object.entries(input)) {
    const definition = findAttribute(definitions, key);
    if (!definition || !clientKept(definition)) continue;
    const normalized = normalizeValue(value, definition, `${prefix}${definition.name}`);
    if (normalized !== undefined) output[definition.name] = normalized;
  }
  for (const definition of definitions) {
    const value = output[definition.name];
    if (definition.required && (value === undefined || (typeof value === "string" && value.trim() === ""))) {
      throw invalidValue(`${prefix}${definition.name} is required.`);
    }
  }
  return output;
}

/**
 * What the document keeps of a client's body. Read-only attributes (id, meta, groups, a member's
 * display) are the server's; write-only ones (password) are never stored; a `$ref` is the URI of
 * the resource its `value` names, which the server renders itself (RFC 7643 §2.4).
 */
const clientKept = (definition: AttributeDefinition) => isClientWritable(definition) && definition.name !== "$ref";

/** One attribute's value; undefined when nothing is left of it (null, empty list, empty object). */
function normalizeValue(value: unknown, definition: AttributeDefinition, path: string): unknown {
  if (value === null || value === undefined) return undefined;
  if (!definition.multiValued) return normalizeSingle(value, definition, path);
  const elements = Array.isArray(value) ? value : [value];
  if (elements.length > NORMALIZE_LIMITS.multiValuedCount) {
    throw invalidValue(
      `${path} has ${elements.length} values; at most ${NORMALIZE_LIMITS.multiValuedCount} are allowed.`,
    );
  }
  const normalized = elements
    .map((element) => (element === null ? undefined : normalizeSingle(element, definition, path)))
    .filter((element) => element !== undefined);
  return normalized.length > 0 ? normalized : undefined;
}

function normalizeSingle(value: unknown, definition: AttributeDefinition, path: string): unknown {
  switch (definition.type) {
    case "complex":
      return normalizeComplex(value, definition, path);
    case "boolean":
      return toBoolean(value, path);
    case "integer":
    case "decimal":
      if (typeof value === "number" && Number.isFinite(value)) return value;
      throw invalidValue(`${path} must be a number, not ${describe(value)}.`);
    default:
      return toBoundedString(value, path);
  }
}

function normalizeComplex(value: unknown, definition: AttributeDefinition, path: string): Json | undefined {
  // Entra sends a single-valued complex attribute such as manager as its bare id.
  const bareValue =
    !definition.multiValued && typeof value === "string" && findAttribute(definition.subAttributes, "value");
  const object = bareValue ? { value } : value;
  if (!isObject(object)) throw invalidValue(`${path} must be an object, not ${describe(value)}.`);
  const output = normalizeAttributes(object, definition.subAttributes ?? [], `${path}.`);
  return Object.keys(output).length > 0 ? output : undefined;
}

/** Booleans arrive as JSON booleans or, from Entra, as "True"/"False". */
export function toBoolean(value: unknown, path: string): boolean {
  if (typeof value === "boolean") return value;
  const text = typeof value === "string" ? value.trim().toLowerCase() : undefined;
  if (text === "true" || text === "false") return text === "true";
  throw invalidValue(`${path} must be true or false, not ${describe(value)}.`);
}

function toBoundedString(value: unknown, path: string): string {
  const text = typeof value === "number" && Number.isFinite(value) ? String(value) : value;
  if (typeof text !== "string") throw invalidValue(`${path} must be a string, not ${describe(value)}.`);
  const limit = EMAIL_PATHS.has(path) ? NORMALIZE_LIMITS.emailLength : NORMALIZE_LIMITS.stringLength;
  if (text.length > limit) {
    throw invalidValue(`${path} is ${text.length} characters long; at most ${limit} are allowed.`);
  }
  return text;
}

/** A value's JSON kind, for error details that say what was wrong without echoing it. */
function describe(value: unknown): string {
  if (Array.isArray(value)) return "an array";
  if (value === null) return "null";
  if (typeof value === "object") return "an object";
  if (typeof value === "string") return "a string";
  return `a ${typeof value}`;
}

/** A member's email address: as given, for display, and lower-cased, for uniqueness. */
export interface MemberEmail {
  email: string;
  emailLower: string;
}

/** One `@`, something on each side, no white space. */
const EMAIL = /^[^\s@]+@[^\s@]+$/;

/**
 * The member's email, from a normalised User document. `userName` is the member's login email
 * when it is one (Okta's Email username format); otherwise (Entra may send any userName) the
 * primary email, else the work email, else the first one.
 */
export function memberEmail(document: Json): MemberEmail {
  const userName = typeof document.userName === "string" ? document.userName : "";
  const emails = (Array.isArray(document.emails) ? document.emails : []).filter(
    (element): element is Json & { value: string } =>
      isObject(element) && typeof element.value === "string" && EMAIL.test(element.value),
  );
  const chosen = EMAIL.test(userName)
    ? userName
    : (
        emails.find((element) => element.primary === true) ??
        emails.find((element) => String(element.type).toLowerCase() === "work") ??
        emails[0]
      )?.value;
  if (chosen === undefined) {
    throw invalidValue("The user needs an email address: userName is not one and no emails value is one.");
  }
  return { email: chosen, emailLower: chosen.toLowerCase() };
}
