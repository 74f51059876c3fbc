/** RFC 7643 §7 attribute characteristics. The one description of a resource that
 * validation, filters, PATCH paths, projection and discovery all read. */
export type AttributeType =
  | "string"
  | "boolean"
  | "decimal"
  | "integer"
  | "dateTime"
  | "reference"
  | "complex"
  | "binary";

export interface AttributeDefinition {
  name: string;
  type: AttributeType;
  multiValued: boolean;
  description: string;
  required: boolean;
  caseExact: boolean;
  mutability: "readOnly" | "readWrite" | "immutable" | "writeOnly";
  returned: "always" | "never" | "default" | "request";
  uniqueness: "none" | "server" | "global";
  subAttributes?: AttributeDefinition[];
  canonicalValues?: string[];
  referenceTypes?: string[];
}

export interface SchemaDefinition {
  id: string;
  name: string;
  description: string;
  attributes: AttributeDefinition[];
}

type Options = Partial<Omit<AttributeDefinition, "name" | "type">>;

function attribute(name: string, type: AttributeType, options: Options = {}): AttributeDefinition {
  return {
    name,
    type,
    multiValued: false,
    description: options.description ?? name,
    required: false,
    caseExact: false,
    mutability: "readWrite",
    returned: "default",
    uniqueness: "none",
    ...options,
  };
}

export const string = (name: string, options?: Options) => attribute(name, "string", options);
export const boolean = (name: string, options?: Options) => attribute(name, "boolean", options);
export const dateTime = (name: string, options?: Options) => attribute(name, "dateTime", options);
export const reference = (name: string, referenceTypes: string[], options?: Options) =>
  attribute(name, "reference", { referenceTypes, ...options });
export const complex = (name: string, subAttributes: AttributeDefinition[], options?: Options) =>
  attribute(name, "complex", { subAttributes, ...options });

/** A multi-valued complex attribute with the RFC 7643 §2.4 sub-attributes plus extras. */
export function multiValued(name: string, extra: AttributeDefinition[] = [], options?: Options) {
  return complex(
    name,
    [
      string("value", { description: `The ${name} value.` }),
      string("display", { description: "A human-readable name, primarily used for display purposes." }),
      string("type", { description: "A label indicating the attribute's function." }),
      boolean("primary", { description: "Indicates the primary or preferred attribute value." }),
      ...extra,
    ],
    { multiValued: true, ...options },
  );
}

/** Finds an attribute case-insensitively (RFC 7644 §3.10: attribute names are case-insensitive). */
export function findAttribute(
  attributes: readonly AttributeDefinition[] | undefined,
  name: string,
): AttributeDefinition | undefined {
  const lower = name.toLowerCase();
  return attributes?.find((a) => a.name.toLowerCase() === lower);
}

/** A sub-attribute named plainly (`type`) or qualified by its parent (`emails.type`), as value filters allow. */
export function findSubAttribute(attribute: AttributeDefinition, path: string): AttributeDefinition | undefined {
  const prefix = `${attribute.name.toLowerCase()}.`;
  const name = path.toLowerCase().startsWith(prefix) ? path.slice(prefix.length) : path;
  return findAttribute(attribute.subAttributes, name);
}

/** Writable by clients: not read-only (id, meta, groups) and not write-only (password, which is never kept). */
export const isClientWritable = (definition: AttributeDefinition) =>
  definition.mutability !== "readOnly" && definition.mutability !== "writeOnly";
