import { type AttributeDefinition, complex, dateTime, string } from "./definition";

/** RFC 7643 §3.1: attributes every resource has, outside any schema's attribute list. */
export const commonAttributes: AttributeDefinition[] = [
  string("id", { caseExact: true, mutability: "readOnly", returned: "always", uniqueness: "server" }),
  string("externalId", { caseExact: true }),
  complex(
    "meta",
    [
      string("resourceType", { caseExact: true, mutability: "readOnly" }),
      dateTime("created", { mutability: "readOnly" }),
      dateTime("lastModified", { mutability: "readOnly" }),
      string("location", { caseExact: true, mutability: "readOnly" }),
      string("version", { caseExact: true, mutability: "readOnly" }),
    ],
    { mutability: "readOnly" },
  ),
];
