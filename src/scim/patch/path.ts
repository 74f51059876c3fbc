import { invalidPath, ScimError } from "../errors";
import { isAttributePath, parseFilter } from "../filter/parse";
import { filterShape, LITERAL_PLACEHOLDER } from "../filter/shape";
import { type AttributeDefinition, findAttribute, type SchemaDefinition } from "../schemas/definition";
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
  if ("unknown" in resolved) {
    throw invalidPath(
      `"${patchPathShape(resolved.unknown)}" is not an attribute of ${type.name} (path "${patchPathShape(path)}").`,
    );
  }
  return resolved;
}

/** The extension a path or a path-less value's key names whole (`urn:…:enterprise:2.0:User`), if any. */
export const findExtension = (type: ResourceTypeDefinition, key: string): SchemaDefinition | undefined =>
  type.extensions.find((schema) => schema.id.toLowerCase() === key.toLowerCase());

/** A target clients may not write: read-only (id, meta, a member's display), or write-only (password: accepted, never stored). */
export function restriction(target: PatchPath): "readOnly" | "writeOnly" | undefined {
  for (const definition of [target.attribute, target.subAttribute]) {
    if (definition?.mutability === "readOnly" || definition?.mutability === "writeOnly") return definition.mutability;
  }
  return undefined;
}

/** parsePatchPath for the keys of a path-less value, where unknown attributes are ignored: undefined for those. */
export function findPatchPath(path: string, type: ResourceTypeDefinition): PatchPath | undefined {
  const resolved = resolvePatchPath(path, type);
  return "unknown" in resolved ? undefined : resolved;
}

/** A PATCH path cut at its value filter's brackets: `emails[type eq "work"].value` is `emails`, `type eq "work"`, `.value`. */
interface PathParts {
  attributePath: string;
  /** The text between the brackets; undefined when the path has no value filter. */
  filter?: string;
  /** What follows the closing bracket. */
  rest: string;
  /** The value filter's "[" has no "]": nothing after the attribute path is read. */
  unclosed?: true;
}

function cutPatchPath(path: string): PathParts {
  const open = path.indexOf("[");
  if (open === -1) return { attributePath: path, rest: "" };
  const close = closingBracket(path, open);
  if (close === -1) return { attributePath: path.slice(0, open), rest: "", unclosed: true };
  return { attributePath: path.slice(0, open), filter: path.slice(open + 1, close), rest: path.slice(close + 1) };
}

/** A path's parts (see PathParts); 400 invalidPath when its value filter has no closing bracket. */
function splitPatchPath(path: string): PathParts {
  const parts = cutPatchPath(path);
  if (parts.unclosed) {
    throw invalidPath(`The path "${patchPathShape(path)}" has no "]" closing its value filter.`);
  }
  return parts;
}

function resolvePatchPath(path: string, type: ResourceTypeDefinition): PatchPath | { unknown: string } {
  const { attributePath, filter, rest } = splitPatchPath(path);
  if (filter === undefined) return resolveAttributePath(type, path) ?? { unknown: path };
  const resolved = resolveAttributePath(type, attributePath);
  if (!resolved) return { unknown: attributePath };
  const { extension, attribute } = resolved;
  if (resolved.subAttribute || !attribute.multiValued || attribute.type !== "complex") {
    throw invalidPath(
      `"${attributePath}" is not a multi-valued complex attribute, so "${patchPathShape(path)}" cannot filter it.`,
    );
  }
  const valueFilter = compileValueFilter(filter, attribute, patchPathShape(path));
  if (rest === "") return { extension, attribute, valueFilter };
  if (!rest.startsWith(".")) {
    throw invalidPath(
      `The path "${patchPathShape(path)}" has text after its value filter that is not ".subAttribute".`,
    );
  }
  const subAttribute = findAttribute(attribute.subAttributes, rest.slice(1));
  if (!subAttribute) return { unknown: `${attribute.name}.${rest.slice(1)}` };
  return { extension, attribute, valueFilter, subAttribute };
}

/**
 * A PATCH path's shape, for the request log and error details (both stored): its attribute names
 * and its value filter's shape (see filterShape), never a literal: `emails[value eq "ada@acme.test"].value`
 * is `emails[value eq …].value`. Whatever does not parse as a path is `…` in its place, so no text a
 * client sent gets through except attribute names.
 */
export function patchPathShape(path: string): string {
  const name = (text: string) => (isAttributePath(text) ? text : LITERAL_PLACEHOLDER);
  const { attributePath, filter, rest, unclosed } = cutPatchPath(path);
  if (unclosed) return `${name(attributePath)}[${LITERAL_PLACEHOLDER}`;
  if (filter === undefined) return name(attributePath);
  let filterText: string;
  try {
    filterText = filterShape(parseFilter(filter));
  } catch (error) {
    if (!(error instanceof ScimError)) throw error;
    filterText = LITERAL_PLACEHOLDER;
  }
  const tail = rest === "" ? "" : rest.startsWith(".") ? `.${name(rest.slice(1))}` : LITERAL_PLACEHOLDER;
  return `${name(attributePath)}[${filterText}]${tail}`;
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
