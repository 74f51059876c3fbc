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

/** RFC 7232 If-Match with weak comparison: absent or `*` matches; otherwise one listed tag must name this version. */
export function ifMatchAllows(header: string | undefined, version: number): boolean {
  if (header === undefined || header.trim() === "*") return true;
  const wanted = `"${version}"`;
  return header.split(",").some((tag) => tag.trim().replace(/^W\//, "") === wanted);
}

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
