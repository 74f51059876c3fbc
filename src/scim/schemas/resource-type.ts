import { commonAttributes } from "./common";
import type { AttributeDefinition, SchemaDefinition } from "./definition";
import { findAttribute } from "./definition";
import { groupSchema } from "./group";
import { enterpriseUserSchema, userSchema } from "./user";

/** A resource type: its core schema and the extensions it accepts (RFC 7643 §6). */
export interface ResourceTypeDefinition {
  id: string;
  name: string;
  endpoint: string;
  description: string;
  schema: SchemaDefinition;
  extensions: SchemaDefinition[];
}

export const userResourceType: ResourceTypeDefinition = {
  id: "User",
  name: "User",
  endpoint: "/Users",
  description: "User Account",
  schema: userSchema,
  extensions: [enterpriseUserSchema],
};

export const groupResourceType: ResourceTypeDefinition = {
  id: "Group",
  name: "Group",
  endpoint: "/Groups",
  description: "Group",
  schema: groupSchema,
  extensions: [],
};

/** What a top-level key of a resource body names. */
export type BodyKey =
  /** A core or common attribute, plainly (`userName`) or qualified by the core URN. */
  | { kind: "core"; name: string }
  /** A declared extension: the whole of it (`urn:…:enterprise:2.0:User`), or one attribute (`…:User:department`). */
  | { kind: "extension"; schema: SchemaDefinition; name?: string }
  /** A schema URN the resource type does not declare. */
  | { kind: "undeclared" };

/** Classifies a body key case-insensitively; any other key starting with `urn:` names an undeclared schema. */
export function classifyBodyKey(type: ResourceTypeDefinition, key: string): BodyKey {
  const lower = key.toLowerCase();
  for (const schema of type.extensions) {
    const id = schema.id.toLowerCase();
    if (lower === id) return { kind: "extension", schema };
    if (lower.startsWith(`${id}:`)) return { kind: "extension", schema, name: key.slice(id.length + 1) };
  }
  const corePrefix = `${type.schema.id.toLowerCase()}:`;
  if (lower.startsWith(corePrefix)) return { kind: "core", name: key.slice(corePrefix.length) };
  return lower.startsWith("urn:") ? { kind: "undeclared" } : { kind: "core", name: key };
}

/** Where an attribute path lands: the schema that owns it (undefined for core/common) and its definition. */
export interface ResolvedAttribute {
  /** Extension schema URN, or undefined for core and common attributes. */
  extension?: string;
  attribute: AttributeDefinition;
  /** Sub-attribute, when the path names one (`name.givenName`). */
  subAttribute?: AttributeDefinition;
}

/**
 * Resolves `attr`, `attr.sub`, `urn:...:attr` or `urn:...:attr.sub` against a resource
 * type, case-insensitively. Returns undefined for an unknown attribute.
 */
export function resolveAttributePath(type: ResourceTypeDefinition, path: string): ResolvedAttribute | undefined {
  let rest = path;
  let extension: SchemaDefinition | undefined;
  let inCore = false;
  const lower = path.toLowerCase();
  for (const schema of [type.schema, ...type.extensions]) {
    const prefix = `${schema.id.toLowerCase()}:`;
    if (lower.startsWith(prefix)) {
      rest = path.slice(prefix.length);
      if (schema === type.schema) inCore = true;
      else extension = schema;
      break;
    }
  }
  const dot = rest.indexOf(".");
  const name = dot === -1 ? rest : rest.slice(0, dot);
  const sub = dot === -1 ? undefined : rest.slice(dot + 1);
  const attribute = extension
    ? findAttribute(extension.attributes, name)
    : (findAttribute(type.schema.attributes, name) ?? (inCore ? undefined : findAttribute(commonAttributes, name)));
  if (!attribute) return undefined;
  if (sub === undefined) return { extension: extension?.id, attribute };
  const subAttribute = findAttribute(attribute.subAttributes, sub);
  if (!subAttribute || sub.includes(".")) return undefined;
  return { extension: extension?.id, attribute, subAttribute };
}
