import { MAX_MEMBERS_PER_REQUEST } from "../members-per-request";
import { complex, reference, type SchemaDefinition, string } from "./definition";
import { GROUP_SCHEMA } from "./urns";

/** RFC 7643 §4.2. */
export const groupSchema: SchemaDefinition = {
  id: GROUP_SCHEMA,
  name: "Group",
  description: "Group",
  attributes: [
    string("displayName", { required: true, uniqueness: "server" }),
    complex(
      "members",
      [
        string("value", { mutability: "immutable", caseExact: true }),
        reference("$ref", ["User"], { mutability: "immutable" }),
        string("display", { mutability: "readOnly" }),
        string("type", { mutability: "immutable", canonicalValues: ["User"] }),
      ],
      {
        multiValued: true,
        description: `The group's members. One request may name at most ${MAX_MEMBERS_PER_REQUEST} of them (413 beyond).`,
      },
    ),
  ],
};
