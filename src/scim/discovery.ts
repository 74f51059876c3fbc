import { MAX_OPERATIONS, MAX_PAYLOAD_BYTES } from "./bulk";
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from "./list-response";

const CURSOR_TIMEOUT_SECONDS = 86_400;

import type { SchemaDefinition } from "./schemas/definition";
import { groupResourceType, type ResourceTypeDefinition, userResourceType } from "./schemas/resource-type";
import { RESOURCE_TYPE_SCHEMA, SCHEMA_SCHEMA, SERVICE_PROVIDER_CONFIG_SCHEMA } from "./schemas/urns";

/** The resource types this server serves, in the order discovery lists them. */
const RESOURCE_TYPES: ResourceTypeDefinition[] = [userResourceType, groupResourceType];

/** RFC 7643 §5: exactly what this server supports, no more. */
export function serviceProviderConfig(baseUrl: string) {
  return {
    schemas: [SERVICE_PROVIDER_CONFIG_SCHEMA],
    patch: { supported: true },
    bulk: { supported: true, maxOperations: MAX_OPERATIONS, maxPayloadSize: MAX_PAYLOAD_BYTES },
    filter: { supported: true, maxResults: MAX_PAGE_SIZE },
    // RFC 9865 §4. Cursors are keyset positions signed for one list: they do not expire (only a new
    // CURSOR_SECRET or ADMIN_TOKEN ends them), so a day is a floor this server always keeps.
    pagination: {
      cursor: true,
      index: true,
      defaultPaginationMethod: "index",
      defaultPageSize: DEFAULT_PAGE_SIZE,
      maxPageSize: MAX_PAGE_SIZE,
      cursorTimeout: CURSOR_TIMEOUT_SECONDS,
    },
    changePassword: { supported: false },
    sort: { supported: true }, // by the attributes in memberSortFields / teamSortFields, each with an index
    etag: { supported: true }, // weak ETags, in meta.version and the ETag header
    authenticationSchemes: [
      {
        type: "oauthbearertoken",
        name: "OAuth Bearer Token",
        description: "Authentication scheme using the OAuth Bearer Token Standard",
        specUri: "https://www.rfc-editor.org/info/rfc6750",
        primary: true,
      },
    ],
    meta: { resourceType: "ServiceProviderConfig", location: `${baseUrl}/ServiceProviderConfig` },
  };
}

/** RFC 7643 §6. */
export function resourceTypes(baseUrl: string) {
  return RESOURCE_TYPES.map((type) => ({
    schemas: [RESOURCE_TYPE_SCHEMA],
    id: type.id,
    name: type.name,
    endpoint: type.endpoint,
    description: type.description,
    schema: type.schema.id,
    schemaExtensions: type.extensions.map((extension) => ({ schema: extension.id, required: false })),
    meta: { resourceType: "ResourceType", location: `${baseUrl}/ResourceTypes/${type.id}` },
  }));
}

/**
 * RFC 7643 §7, straight from the definitions every other part of the server reads. The common
 * attributes (id, externalId, meta) are not part of any schema, so they are not listed.
 */
export function schemaDocuments(baseUrl: string) {
  const schemas = new Map<string, SchemaDefinition>();
  for (const type of RESOURCE_TYPES) {
    for (const schema of [type.schema, ...type.extensions]) schemas.set(schema.id, schema);
  }
  return [...schemas.values()].map((schema) => ({
    schemas: [SCHEMA_SCHEMA],
    id: schema.id,
    name: schema.name,
    description: schema.description,
    attributes: schema.attributes, // AttributeDefinition is the RFC 7643 §7 attribute shape
    meta: { resourceType: "Schema", location: `${baseUrl}/Schemas/${schema.id}` },
  }));
}
