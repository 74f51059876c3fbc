import { boolean, complex, multiValued, reference, type SchemaDefinition, string } from "./definition";
import { ENTERPRISE_USER_SCHEMA, USER_SCHEMA } from "./urns";

/** RFC 7643 §4.1, as this server stores and returns it. */
export const userSchema: SchemaDefinition = {
  id: USER_SCHEMA,
  name: "User",
  description: "User Account",
  attributes: [
    string("userName", {
      required: true,
      uniqueness: "server",
      description: "Unique identifier for the User, the member's login email.",
    }),
    complex("name", [
      string("formatted"),
      string("familyName"),
      string("givenName"),
      string("middleName"),
      string("honorificPrefix"),
      string("honorificSuffix"),
    ]),
    string("displayName"),
    string("nickName"),
    reference("profileUrl", ["external"]),
    string("title"),
    string("userType"),
    string("preferredLanguage"),
    string("locale"),
    string("timezone"),
    boolean("active"),
    string("password", {
      mutability: "writeOnly",
      returned: "never",
      caseExact: true,
      description: "Accepted and discarded: this server never stores passwords.",
    }),
    multiValued("emails", [], { description: "Email addresses for the user." }),
    multiValued("phoneNumbers"),
    multiValued("ims"),
    multiValued("photos"),
    complex(
      "addresses",
      [
        string("formatted"),
        string("streetAddress"),
        string("locality"),
        string("region"),
        string("postalCode"),
        string("country"),
        string("type"),
        boolean("primary"),
      ],
      { multiValued: true },
    ),
    complex(
      "groups",
      [
        string("value", { mutability: "readOnly", caseExact: true }),
        reference("$ref", ["User", "Group"], { mutability: "readOnly" }),
        string("display", { mutability: "readOnly" }),
        string("type", { mutability: "readOnly" }),
      ],
      { multiValued: true, mutability: "readOnly" },
    ),
    multiValued("entitlements"),
    multiValued("roles"),
    multiValued("x509Certificates"),
  ],
};

export const enterpriseUserSchema: SchemaDefinition = {
  id: ENTERPRISE_USER_SCHEMA,
  name: "EnterpriseUser",
  description: "Enterprise User",
  attributes: [
    string("employeeNumber"),
    string("costCenter"),
    string("organization"),
    string("division"),
    string("department"),
    complex("manager", [
      string("value", { description: "The id of the SCIM resource representing the User's manager." }),
      reference("$ref", ["User"]),
      string("displayName", { mutability: "readOnly" }),
    ]),
  ],
};
