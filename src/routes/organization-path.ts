/** The routes that concern one organization, and where their path names it. */
const ORGANIZATION_IN_PATH = /^\/(?:scim\/v2|admin\/v1\/organizations|console\/orgs)\/([^/]+)/;

/**
 * The organization a request's path names (a SCIM tenant, an admin or console page of one), read
 * before routing so that the storage middleware can pick its shard; undefined for the others.
 */
export function organizationInPath(path: string): string | undefined {
  return ORGANIZATION_IN_PATH.exec(path)?.[1];
}
