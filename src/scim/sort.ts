import { invalidValue } from "./errors";
import { type ResourceTypeDefinition, resolveAttributePath } from "./schemas/resource-type";

/** A list's order: a sortable attribute (canonical lower-case path) and its direction; ties go by id. */
export interface Sort {
  attribute: string;
  descending: boolean;
}

/** Without sortBy, lists come in creation order, which is also `sortBy=meta.created`. */
export const DEFAULT_SORT: Sort = { attribute: "meta.created", descending: false };

/**
 * RFC 7644 §3.4.2.3: `sortBy` names an attribute (a multi-valued one sorts by its `value`, as
 * `emails` by `emails.value`); `sortOrder` is `ascending` (the default) or `descending`. An
 * attribute the resource types cannot be sorted by is 400 invalidValue naming it.
 */
export function parseSort(
  types: readonly ResourceTypeDefinition[],
  sortable: ReadonlySet<string>,
  sortBy: string | undefined,
  sortOrder: string | undefined,
): Sort {
  const order = sortOrder?.trim().toLowerCase();
  if (order && order !== "ascending" && order !== "descending") {
    throw invalidValue(`sortOrder must be "ascending" or "descending", not "${sortOrder}".`);
  }
  const name = sortBy?.trim();
  if (!name) return DEFAULT_SORT;
  const attribute = types.map((type) => canonicalPath(type, name)).find((path) => path !== undefined);
  if (!attribute || !sortable.has(attribute)) {
    throw invalidValue(`sortBy "${name}" is not an attribute this list can be sorted by.`);
  }
  return { attribute, descending: order === "descending" };
}

function canonicalPath(type: ResourceTypeDefinition, name: string): string | undefined {
  const resolved = resolveAttributePath(type, name);
  if (!resolved || resolved.extension) return undefined;
  const { attribute, subAttribute } = resolved;
  const sub =
    subAttribute ?? (attribute.multiValued ? attribute.subAttributes?.find((s) => s.name === "value") : undefined);
  return [attribute.name, ...(sub ? [sub.name] : [])].join(".").toLowerCase();
}
