import { invalidPath } from "../errors";
import { type AttributeDefinition, findAttribute } from "../schemas/definition";
import { type ResourceTypeDefinition, resolveAttributePath } from "../schemas/resource-type";
import { compileValueFilter, type ValueFilter } from "./value-filter";

/** A PATCH path (RFC 7644 §3.5.2, PATH grammar) resolved against the schema definitions. */
export interface PatchPath {
  /** The extension URN when the attribute belongs to an extension schema; undefined for core and common ones. */
  extension?: string;
  attribute: AttributeDefinition;
  /** `attr[filter]`: which elements of the multi-valued attribute are targeted. */
  valueFilter?: ValueFilter;
  subAttribute?: AttributeDefinition;
}

/**
 * Resolves `attr`, `attr.sub`, `urn:…:attr(.sub)`, `attr[filter]` and `attr[filter].sub`,
 * case-insensitively. An unknown attribute or a malformed path is 400 invalidPath naming it.
 */
export function parsePatchPath(path: string, type: ResourceTypeDefinition): PatchPath {
  const resolved = resolvePatchPath(path, type);
  if ("unknown" in resolved)
    throw invalidPath(`"${resolved.unknown}" is not an attribute of ${type.name} (path "${path}").`);
  return resolved;
}

/** parsePatchPath for the keys of a path-less value, where unknown attributes are ignored: undefined for those. */
export function findPatchPath(path: string, type: ResourceTypeDefinition): PatchPath | undefined {
  const resolved = resolvePatchPath(path, type);
  return "unknown" in resolved ? undefined : resolved;
}

function resolvePatchPath(path: string, type: ResourceTypeDefinition): PatchPath | { unknown: string } {
  const open = path.indexOf("[");
  if (open === -1) return resolveAttributePath(type, path) ?? { unknown: path };
  const close = closingBracket(path, open);
  if (close === -1) throw invalidPath(`The path "${path}" has no "]" closing its value filter.`);
  const attributePath = path.slice(0, open);
  const resolved = resolveAttributePath(type, attributePath);
  if (!resolved) return { unknown: attributePath };
  const { extension, attribute } = resolved;
  if (resolved.subAttribute || !attribute.multiValued || attribute.type !== "complex") {
    throw invalidPath(`"${attributePath}" is not a multi-valued complex attribute, so "${path}" cannot filter it.`);
  }
  const valueFilter = compileValueFilter(path.slice(open + 1, close), attribute, path);
  const rest = path.slice(close + 1);
  if (rest === "") return { extension, attribute, valueFilter };
  if (!rest.startsWith(".")) throw invalidPath(`The path "${path}" has "${rest}" after its value filter.`);
  const subAttribute = findAttribute(attribute.subAttributes, rest.slice(1));
  if (!subAttribute) return { unknown: `${attribute.name}.${rest.slice(1)}` };
  return { extension, attribute, valueFilter, subAttribute };
}

/** Index of the `]` closing the `[` at `open`, skipping quoted strings (`value eq "a]b"`); -1 if none. */
function closingBracket(path: string, open: number): number {
  let quoted = false;
  for (let i = open + 1; i < path.length; i++) {
    const char = path[i];
    if (quoted && char === "\\") i++;
    else if (char === '"') quoted = !quoted;
    else if (!quoted && char === "]") return i;
  }
  return -1;
}
