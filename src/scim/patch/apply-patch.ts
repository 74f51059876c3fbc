import { invalidValue, noTarget } from "../errors";
import { refuseUndeclaredSchema } from "../normalize";
import type { AttributeDefinition, SchemaDefinition } from "../schemas/definition";
import { classifyBodyKey, type ResourceTypeDefinition } from "../schemas/resource-type";
import type { PatchOp, PatchOperation } from "./operations";
import { findExtension, findPatchPath, type PatchPath, patchPathShape, restriction } from "./path";
import { equalityTerms, equalValues, matchesValueFilter } from "./value-filter";
import {
  canonicalJson,
  isEmptyObject,
  isObject,
  type Json,
  merge,
  prepareComplex,
  prepareElements,
  prepareValue,
} from "./values";

/**
 * Applies RFC 7644 §3.5.2 operations (parsed by parsePatchOperations), in order, to a copy of a
 * stored document and returns the copy; the input is never touched. The first bad operation throws
 * a 400 ScimError, so a caller that stores only the result applies all or nothing. Accepts what Okta
 * and Entra really send: path-less values keyed by paths, string booleans, bare-string managers, and
 * add/replace through a value filter that matches nothing creating the element.
 */
export function applyPatch(document: Json, operations: readonly PatchOperation[], type: ResourceTypeDefinition): Json {
  const result = structuredClone(document);
  for (const operation of operations) applyOperation(result, operation, type);
  return result;
}

function applyOperation(document: Json, operation: PatchOperation, type: ResourceTypeDefinition) {
  const { op, path } = operation;
  // A copy, so that nothing in the result is shared with the request.
  const value = structuredClone(operation.value);
  if (!path) return applyWithoutPath(document, op, value as Json, type);
  if ("schema" in path) return applyToExtension(document, op, path.schema, value, type);
  if (restriction(path) === "writeOnly") return; // password: accepted and discarded, never stored
  applyToTarget(document, op, path, value, path.shape);
}

/**
 * No path: each key of the value is an attribute path or an extension URN holding extension
 * attributes. Unknown, read-only and write-only keys (Okta's `id` in a group rename) are ignored,
 * and data under an undeclared schema URN is refused, as in POST and PUT bodies.
 */
function applyWithoutPath(document: Json, op: PatchOp, value: Json, type: ResourceTypeDefinition) {
  for (const [key, item] of Object.entries(value)) {
    const extension = findExtension(type, key);
    if (classifyBodyKey(type, key).kind === "undeclared") refuseUndeclaredSchema(type, key, item);
    else if (!extension) applyKey(document, op, key, item, type);
    else if (isObject(item)) {
      for (const [name, attributeValue] of Object.entries(item)) {
        applyKey(document, op, `${extension.id}:${name}`, attributeValue, type);
      }
    }
  }
}

function applyKey(document: Json, op: PatchOp, key: string, value: unknown, type: ResourceTypeDefinition) {
  const target = findPatchPath(key, type);
  if (!target || restriction(target)) return;
  // The keys of a path-less value are attributes of the resource, so a whole multi-valued one is an array.
  const wholeList = target.attribute.multiValued && !target.valueFilter && !target.subAttribute;
  const shown = patchPathShape(key);
  if (wholeList && value !== null && !Array.isArray(value)) {
    throw invalidValue(`${shown} is multi-valued: its value must be an array.`);
  }
  applyToTarget(document, op, target, value, shown);
}

/** `path` is an extension URN: its value holds extension attributes; remove drops the whole extension. */
function applyToExtension(
  document: Json,
  op: PatchOp,
  extension: SchemaDefinition,
  value: unknown,
  type: ResourceTypeDefinition,
) {
  if (op === "remove" || value === null) {
    delete document[extension.id];
    syncExtension(document, extension.id);
    return;
  }
  if (!isObject(value)) throw invalidValue(`${extension.id} must be an object.`);
  applyWithoutPath(document, op, { [extension.id]: value }, type);
}

function applyToTarget(document: Json, op: PatchOp, target: PatchPath, value: unknown, path: string) {
  // Setting null is removing: null and unassigned are the same (RFC 7643 §2.5).
  const effective = value === null ? "remove" : op;
  const container = containerFor(document, target.extension, effective !== "remove");
  if (!container) return; // removing from an extension the document does not have
  if (target.attribute.multiValued) applyToList(container, effective, target, value, path);
  else if (target.subAttribute)
    applyToSubAttribute(container, effective, target.attribute, target.subAttribute, value, path);
  else applyToSingle(container, effective, target.attribute, value, path);
  if (target.extension) syncExtension(document, target.extension);
}

function applyToSingle(container: Json, op: PatchOp, attribute: AttributeDefinition, value: unknown, path: string) {
  if (op === "remove") {
    delete container[attribute.name];
  } else if (attribute.type === "complex") {
    // add and replace both set the given sub-attributes and keep the others (RFC 7644 §3.5.2.1, §3.5.2.3).
    storeObject(
      container,
      attribute,
      merge(existingObject(container, attribute), prepareComplex(value, attribute, path)),
    );
  } else {
    // add on a single-valued attribute that has a value replaces it (Entra's Add of externalId).
    container[attribute.name] = prepareValue(value, attribute, path);
  }
}

function applyToSubAttribute(
  container: Json,
  op: PatchOp,
  attribute: AttributeDefinition,
  subAttribute: AttributeDefinition,
  value: unknown,
  path: string,
) {
  const object = existingObject(container, attribute);
  if (op === "remove") delete object[subAttribute.name];
  else object[subAttribute.name] = prepareValue(value, subAttribute, path);
  storeObject(container, attribute, object);
}

/**
 * Multi-valued attribute. Without filter or sub-attribute the operation is on the list itself;
 * otherwise on the elements the filter selects (all of them for `emails.display`), which add and
 * replace create when none matches.
 */
function applyToList(container: Json, op: PatchOp, target: PatchPath, value: unknown, path: string) {
  const { attribute, valueFilter, subAttribute } = target;
  const current = container[attribute.name];
  const elements: unknown[] = Array.isArray(current) ? [...current] : current === undefined ? [] : [current];
  if (!valueFilter && !subAttribute) {
    applyToWholeList(container, op, attribute, elements, value, path);
    return;
  }
  const selected = elements.filter((element): element is Json =>
    valueFilter ? matchesValueFilter(valueFilter, element) : isObject(element),
  );
  if (op === "remove") {
    if (subAttribute) for (const element of selected) delete element[subAttribute.name];
    storeList(container, attribute, subAttribute ? elements : elements.filter((e) => !selected.includes(e as Json)));
    return;
  }
  const write = (element: Json): Json =>
    subAttribute
      ? merge(element, { [subAttribute.name]: prepareValue(value, subAttribute, path) })
      : merge(element, prepareComplex(value, attribute, path));
  if (selected.length === 0) {
    const terms = valueFilter ? equalityTerms(valueFilter) : {};
    if (!terms) {
      throw noTarget(
        `No value of ${attribute.name} matches "${path}", and only "eq" terms joined by "and" describe a value to create.`,
      );
    }
    const created = write(terms);
    storeList(container, attribute, [...elements, created], [created]);
    return;
  }
  const changed = selected.map((element) => {
    // replace swaps a whole matched value (RFC 7644 §3.5.2.3); add and sub-attribute writes change it in place.
    const replacement = op === "replace" && !subAttribute ? write({}) : write(element);
    elements[elements.indexOf(element)] = replacement;
    return replacement;
  });
  storeList(container, attribute, elements, changed);
}

function applyToWholeList(
  container: Json,
  op: PatchOp,
  attribute: AttributeDefinition,
  elements: unknown[],
  value: unknown,
  path: string,
) {
  if (op === "remove") {
    // With a value, only the listed elements go (Entra's member removal), never the whole list;
    // they may be named by their bare values.
    const byValue = (item: unknown) => (typeof item === "string" ? { value: item } : item);
    const named = Array.isArray(value) ? value.map(byValue) : byValue(value);
    const listed = value === undefined || value === null ? undefined : prepareElements(named, attribute, path);
    const remaining = listed ? elements.filter((e) => !listed.some((l) => isListed(e, l, attribute))) : [];
    storeList(container, attribute, remaining);
    return;
  }
  const list = op === "add" ? elements : [];
  const added: unknown[] = [];
  const present = new Set(list.map(canonicalJson)); // one lookup per element, not a scan of the list
  for (const element of prepareElements(value, attribute, path)) {
    const key = canonicalJson(element);
    if (present.has(key)) continue; // an exact duplicate
    present.add(key);
    list.push(element);
    added.push(element);
  }
  storeList(container, attribute, list, added);
}

/** An element named in a remove's value: by its `value` when given (its identity), else by every given sub-attribute. */
function isListed(element: unknown, listed: unknown, attribute: AttributeDefinition): boolean {
  if (!isObject(listed)) return equalValues(element, listed, attribute);
  if (!isObject(element)) return false;
  const keys = "value" in listed ? ["value"] : Object.keys(listed);
  return keys.every((key) => {
    const sub = attribute.subAttributes?.find((s) => s.name === key);
    return sub !== undefined && equalValues(element[key], listed[key], sub);
  });
}

/**
 * Stores a list, dropping emptied elements, and the attribute when none is left. `primary` may be
 * true on one element only (RFC 7643 §2.4): a written primary wins over the others.
 */
function storeList(container: Json, attribute: AttributeDefinition, elements: unknown[], written: unknown[] = []) {
  const kept = elements.filter((element) => !isEmptyObject(element));
  if (written.some((element) => isObject(element) && element.primary === true)) {
    for (const element of kept) {
      if (isObject(element) && element.primary === true && !written.includes(element)) element.primary = false;
    }
  }
  if (kept.length === 0) delete container[attribute.name];
  else container[attribute.name] = kept;
}

function existingObject(container: Json, attribute: AttributeDefinition): Json {
  const current = container[attribute.name];
  return isObject(current) ? current : {};
}

function storeObject(container: Json, attribute: AttributeDefinition, object: Json) {
  if (isEmptyObject(object)) delete container[attribute.name];
  else container[attribute.name] = object;
}

function containerFor(document: Json, extension: string | undefined, create: boolean): Json | undefined {
  if (!extension) return document;
  const current = document[extension];
  if (isObject(current)) return current;
  if (!create) return undefined;
  const created: Json = {};
  document[extension] = created;
  return created;
}

/** An extension is listed in `schemas` exactly when the document holds some of its attributes. */
function syncExtension(document: Json, urn: string) {
  const schemas = Array.isArray(document.schemas) ? document.schemas : [];
  if (isObject(document[urn]) && !isEmptyObject(document[urn])) {
    if (!schemas.includes(urn)) document.schemas = [...schemas, urn];
    return;
  }
  delete document[urn];
  if (schemas.includes(urn)) document.schemas = schemas.filter((schema) => schema !== urn);
}
