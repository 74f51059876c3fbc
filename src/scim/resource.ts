/** Server-kept facts about a stored resource, rendered as `id` and `meta` (RFC 7643 §3.1). */
export interface ResourceMeta {
  id: string;
  resourceType: string;
  created: string;
  lastModified: string;
  version: number;
  location: string;
}

/** A weak ETag: the representation changes with every write, not byte for byte. */
export const etag = (version: number) => `W/"${version}"`;

/**
 * Whether an If-Match / If-None-Match list names this version. Weak comparison (RFC 7232 §2.3.2):
 * `W/"3"` and `"3"` both name version 3, which is how If-None-Match compares and how SCIM clients
 * use If-Match with the weak tags this server hands out. `*` names any existing resource.
 */
function namesVersion(header: string, version: number): boolean {
  if (header.trim() === "*") return true;
  const wanted = `"${version}"`;
  return header.split(",").some((tag) => tag.trim().replace(/^W\//, "") === wanted);
}

/** RFC 7232 §3.1 If-Match: absent, `*` or one listed tag naming this version lets a write go ahead. */
export const ifMatchAllows = (header: string | undefined, version: number): boolean =>
  header === undefined || namesVersion(header, version);

/** RFC 7232 §3.2 If-None-Match on a read: the client already holds this version (answer 304). */
export const ifNoneMatchHolds = (header: string | undefined, version: number): boolean =>
  header !== undefined && namesVersion(header, version);

/** The response representation: the stored document with `id` first and `meta` last. */
export function renderResource(
  document: Record<string, unknown>,
  meta: ResourceMeta,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  const { schemas, ...attributes } = document;
  return {
    schemas,
    id: meta.id,
    ...attributes,
    ...extra,
    meta: {
      resourceType: meta.resourceType,
      created: meta.created,
      lastModified: meta.lastModified,
      location: meta.location,
      version: etag(meta.version),
    },
  };
}
