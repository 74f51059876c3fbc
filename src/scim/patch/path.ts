import type { Filter } from "scim2-parse-filter";
import { invalidPath, ScimError } from "../errors";
import { parseFilter } from "../filter/parse";
import type { AttributeDefinition } from "../schemas/definition";
import { findAttribute } from "../schemas/definition";
import { resolveAttributePath, type ResourceTypeDefinition } from "../schemas/resource-type";

/** A PATCH path resolved against the schema (RFC 7644 §3.5.2 PATH grammar). */
export interface PatchPath {
  /** The extension URN when the attribute belongs to an extension schema. */
  extension?: string;
  attribute: AttributeDefinition;
  /** `attr[filter]`: which elements of a multi-valued attribute the operation targets. */
  valueFilter?: Filter;
  subAttribute?: AttributeDefinition;
}

/** Resolves `attr`, `attr.sub`, `urn:…:attr(.sub)`, `attr[filter]` and `attr[filter].sub`. */
export function parsePatchPath(path: string, type: ResourceTypeDefinition): PatchPath {
  const open = path.indexOf("[");
  if (open === -1) {
    const resolved = resolveAttributePath(type, path.trim());
    if (!resolved) throw invalidPath(`The path "${path}" names no attribute of ${type.name}.`);
    return resolved;
  }
  const close = path.lastIndexOf("]");
  if (close < open) throw invalidPath(`The path "${path}" has an unclosed "[".`);
  const resolved = resolveAttributePath(type, path.slice(0, open).trim());
  if (!resolved || resolved.subAttribute) throw invalidPath(`The path "${path}" names no attribute of ${type.name}.`);
  if (!resolved.attribute.multiValued || resolved.attribute.type !== "complex") {
    throw invalidPath(`"${resolved.attribute.name}" is not multi-valued, so "${path}" cannot filter it.`);
  }
  const rest = path.slice(close + 1).trim();
  let subAttribute: AttributeDefinition | undefined;
  if (rest) {
    subAttribute = rest.startsWith(".") ? findAttribute(resolved.attribute.subAttributes, rest.slice(1)) : undefined;
    if (!subAttribute) throw invalidPath(`The path "${path}" ends in "${rest}", which is no sub-attribute.`);
  }
  let valueFilter: Filter;
  try {
    valueFilter = parseFilter(path.slice(open + 1, close));
  } catch (error) {
    throw error instanceof ScimError ? invalidPath(`The path "${path}" has a bad filter: ${error.detail}`) : error;
  }
  return { extension: resolved.extension, attribute: resolved.attribute, valueFilter, subAttribute };
}
