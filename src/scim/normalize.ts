import { invalidSyntax, invalidValue } from "./errors";
import { foldCase } from "./folding";
import { requireMemberCount } from "./members-per-request";
import { commonAttributes } from "./schemas/common";
import { type AttributeDefinition, findAttribute, isClientWritable, type SchemaDefinition } from "./schemas/definition";
import { classifyBodyKey, type ResourceTypeDefinition } from "./schemas/resource-type";

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

/**
 * Multi-valued attributes stored as rows, not in the document: a group's members. They are held to
 * the per-request member cap instead of multiValuedCount.
 */
const ROW_ATTRIBUTE_CAPS: Readonly<Record<string, (count: number) => void>> = { members: requireMemberCount };

/** Paths holding email addresses, held to the shorter limit. */
const EMAIL_PATHS = new Set(["userName", "emails.value"]);

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * Turns a client's resource body into the stored document: canonical attribute names, every value
 * of its schema type, extension attributes under their URN, `schemas` recomputed from what is
 * present. `schemas` must name the resource type's core schema; data under a schema URN the type
 * does not declare is refused (it would be lost). Unknown, read-only and null attributes are
 * ignored (clients send them freely); `password` is discarded. The only coercions are the client
 * quirks: Entra's "True"/"False" booleans and its bare-string manager. Anything malformed is a
 * 400 invalidValue naming its path.
 */
export function normalizeResource(input: unknown, type: ResourceTypeDefinition): Json {
  if (!isObject(input)) throw invalidSyntax("The request body must be a JSON object.");
  requireCoreSchema(Object.entries(input).find(([key]) => key.toLowerCase() === "schemas")?.[1], type);
  const coreInput: Json = {};
  const extensionInput = new Map<SchemaDefinition, Json>();
  const extensionOf = (schema: SchemaDefinition) => {
    const attributes = extensionInput.get(schema) ?? {};
    extensionInput.set(schema, attributes);
    return attributes;
  };
  for (const [key, value] of Object.entries(input)) {
    const target = classifyBodyKey(type, key);
    if (target.kind === "core") coreInput[target.name] = value;
    else if (target.kind === "undeclared") refuseUndeclaredSchema(type, key, value);
    else if (target.name !== undefined) extensionOf(target.schema)[target.name] = value;
    else if (value !== null) {
      if (!isObject(value))
        throw invalidValue(`${target.schema.id} must be an object of ${target.schema.name} attributes.`);
      Object.assign(extensionOf(target.schema), value);
    }
  }
  const extensions: Json = {};
  for (const [schema, value] of extensionInput) {
    const attributes = normalizeAttributes(value, schema.attributes, `${schema.id}:`);
    if (Object.keys(attributes).length > 0) extensions[schema.id] = attributes;
  }
  const document = normalizeAttributes(coreInput, [...type.schema.attributes, ...commonAttributes], "");
  return { schemas: [type.schema.id, ...Object.keys(extensions)], ...document, ...extensions };
}

/** RFC 7643 §3: `schemas` is required and names the resource's core schema (extensions are recomputed). */
function requireCoreSchema(schemas: unknown, type: ResourceTypeDefinition) {
  const core = type.schema.id.toLowerCase();
  const listed = Array.isArray(schemas) && schemas.every((schema) => typeof schema === "string");
  if (!listed || !schemas.some((schema) => schema.toLowerCase() === core)) {
    throw invalidValue(`schemas must be a list of schema URNs that includes ${type.schema.id}.`);
  }
}

/**
 * Data under a schema URN the resource type does not declare would be silently lost: refused. A null
 * or empty one carries nothing and is ignored, like a URN listed in `schemas` without data.
 */
export function refuseUndeclaredSchema(type: ResourceTypeDefinition, key: string, value: unknown) {
  if (value === null || (isObject(value) && Object.keys(value).length === 0)) return;
  const declared =
    type.extensions.length === 0
      ? "it declares no extension"
      : `its extensions are ${type.extensions.map((schema) => schema.id).join(", ")}`;
  throw invalidValue(`${key} is not a schema of ${type.name}: ${declared}.`);
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
  if (!definition.multiValued) return normalizeSingleValue(value, definition, path);
  if (!Array.isArray(value))
    throw invalidValue(`${path} is multi-valued: it must be an array, not ${describe(value)}.`);
  requireMultiValuedCount(value.length, path);
  const normalized = value
    .map((element) => {
      if (element === null) throw invalidValue(`${path} must not hold null: leave the value out instead.`);
      return normalizeSingleValue(element, definition, path);
    })
    .filter((element) => element !== undefined);
  // RFC 7643 §2.4: "primary" may be true on one value only. (Entra's string "True" is a boolean by now.)
  if (normalized.filter((element) => isObject(element) && element.primary === true).length > 1) {
    throw invalidValue(`${path} has more than one value with primary true; at most one may be primary.`);
  }
  return normalized.length > 0 ? normalized : undefined;
}

/** At most NORMALIZE_LIMITS.multiValuedCount values in one multi-valued attribute, or in one PATCH value for it. */
export function requireMultiValuedCount(count: number, path: string) {
  if (Object.hasOwn(ROW_ATTRIBUTE_CAPS, path)) return ROW_ATTRIBUTE_CAPS[path](count);
  if (count > NORMALIZE_LIMITS.multiValuedCount) {
    throw invalidValue(`${path} has ${count} values; at most ${NORMALIZE_LIMITS.multiValuedCount} are allowed.`);
  }
}

/**
 * One value (one element, for a multi-valued attribute) of its schema type, RFC 7643 §2.3; undefined
 * for a complex value left empty. PATCH checks each operation's values with it too.
 */
export function normalizeSingleValue(value: unknown, definition: AttributeDefinition, path: string): unknown {
  switch (definition.type) {
    case "complex":
      return normalizeComplex(value, definition, path);
    case "boolean":
      return toBoolean(value, path);
    case "integer":
      if (Number.isInteger(value)) return value;
      throw invalidValue(`${path} must be an integer, not ${describe(value)}.`);
    case "decimal":
      if (typeof value === "number" && Number.isFinite(value)) return value;
      throw invalidValue(`${path} must be a number, not ${describe(value)}.`);
    case "dateTime":
      return toDateTime(value, path);
    case "reference":
      return toReference(value, path);
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

/** Booleans arrive as JSON booleans or, from Entra, as "True"/"False" (in any case). */
export function toBoolean(value: unknown, path: string): boolean {
  if (typeof value === "boolean") return value;
  const text = typeof value === "string" ? value.toLowerCase() : undefined;
  if (text === "true" || text === "false") return text === "true";
  throw invalidValue(`${path} must be true or false, not ${describe(value)}.`);
}

function toBoundedString(value: unknown, path: string): string {
  if (typeof value !== "string") throw invalidValue(`${path} must be a string, not ${describe(value)}.`);
  if (value.includes("\u0000")) throw invalidValue(`${path} must not contain U+0000 (NUL).`);
  const limit = EMAIL_PATHS.has(path) ? NORMALIZE_LIMITS.emailLength : NORMALIZE_LIMITS.stringLength;
  if (value.length > limit) {
    throw invalidValue(`${path} is ${value.length} characters long; at most ${limit} are allowed.`);
  }
  return value;
}

/** RFC 7643 §2.3.5: an xsd:dateTime, such as 2026-01-31T09:30:00Z, that names a real instant. */
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/;

function toDateTime(value: unknown, path: string): string {
  const text = toBoundedString(value, path);
  if (!DATE_TIME.test(text) || Number.isNaN(Date.parse(text))) {
    throw invalidValue(`${path} must be a dateTime such as 2026-01-31T09:30:00Z.`);
  }
  return text;
}

/** RFC 7643 §2.3.7: a reference is a URI. */
function toReference(value: unknown, path: string): string {
  const text = toBoundedString(value, path);
  if (!URL.canParse(text)) throw invalidValue(`${path} must be an absolute URI such as https://example.com/ada.`);
  return text;
}

/** A value's JSON kind, for error details that say what was wrong without echoing it. */
function describe(value: unknown): string {
  if (Array.isArray(value)) return "an array";
  if (value === null) return "null";
  if (typeof value === "object") return "an object";
  if (typeof value === "string") return "a string";
  if (typeof value === "number") return "a number";
  return `a ${typeof value}`;
}

/** A member's email address: as given, for display, and folded (foldCase), for uniqueness. */
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
  return { email: chosen, emailLower: foldCase(chosen) };
}
