import fc from "fast-check";

/**
 * Random valid RFC 7644 filters over User attributes, as an AST that a small reference evaluator
 * (below) runs on rendered resources, and as the text a client would send. Strings come from a
 * small ASCII alphabet rich in the characters that quoting and LIKE escaping must get right.
 */
export const ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

type Json = Record<string, any>;
type Kind = "string" | "boolean" | "dateTime";

/** An attribute a filter can name: how it reads from a resource (or an element, in a value path). */
interface Attribute {
  path: string;
  kind: Kind;
  caseExact: boolean;
  /** Every value the attribute has: none when absent, several for a multi-valued attribute. */
  values(resource: Json): unknown[];
}

const single = (path: string, kind: Kind, read: (r: Json) => unknown, caseExact = false): Attribute => ({
  path,
  kind,
  caseExact,
  values: (resource) => {
    const value = read(resource);
    return value === undefined || value === null ? [] : [value];
  },
});
const ofEmails = (sub: string) => (resource: Json) =>
  ((resource.emails ?? []) as Json[]).map((email) => email[sub]).filter((value) => value !== undefined);

export const USER_ATTRIBUTES: Attribute[] = [
  single("userName", "string", (r) => r.userName),
  single("externalId", "string", (r) => r.externalId, true),
  single("displayName", "string", (r) => r.displayName),
  single("title", "string", (r) => r.title),
  single("name.givenName", "string", (r) => r.name?.givenName),
  single("name.familyName", "string", (r) => r.name?.familyName),
  single(`${ENTERPRISE}:department`, "string", (r) => r[ENTERPRISE]?.department),
  single("active", "boolean", (r) => r.active),
  single("meta.created", "dateTime", (r) => r.meta?.created),
  { path: "emails.value", kind: "string", caseExact: false, values: ofEmails("value") },
  { path: "emails", kind: "string", caseExact: false, values: ofEmails("value") },
  { path: "emails.type", kind: "string", caseExact: false, values: ofEmails("type") },
  { path: "emails.primary", kind: "boolean", caseExact: false, values: ofEmails("primary") },
];

/** Sub-attributes inside `emails[...]`, read from one element. */
const EMAIL_ELEMENT: Attribute[] = [
  single("value", "string", (e) => e.value),
  single("type", "string", (e) => e.type),
  single("primary", "boolean", (e) => e.primary),
];

export type FilterNode =
  | { op: "pr"; attribute: Attribute }
  | { op: string; attribute: Attribute; literal: string | boolean | null }
  | { op: "and" | "or"; left: FilterNode; right: FilterNode }
  | { op: "not"; inner: FilterNode }
  | { op: "[]"; inner: FilterNode };

export const ALPHABET = ["a", "A", "b", "B", "z", "0", "9", " ", "%", "_", "\\", '"', "'", ".", "-", "@"];
export const scimText = (maxLength = 6) => fc.string({ unit: fc.constantFrom(...ALPHABET), maxLength });

const OPERATORS: Record<Kind, string[]> = {
  string: ["eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le", "pr"],
  boolean: ["eq", "ne", "pr"],
  dateTime: ["eq", "ne", "gt", "ge", "lt", "le", "pr"],
};

/** Literals: mostly values the population really has (so filters match something), sometimes others. */
function comparison(attributes: Attribute[], samples: Record<Kind, string[]>): fc.Arbitrary<FilterNode> {
  return fc.constantFrom(...attributes).chain((attribute) =>
    fc.constantFrom(...OPERATORS[attribute.kind]).chain((op): fc.Arbitrary<FilterNode> => {
      if (op === "pr") return fc.constant({ op, attribute });
      const literal: fc.Arbitrary<string | boolean | null> =
        attribute.kind === "boolean"
          ? fc.boolean()
          : fc.oneof(
              { weight: 3, arbitrary: fc.constantFrom(...samples[attribute.kind]) },
              { weight: 1, arbitrary: attribute.kind === "string" ? scimText() : fc.constant("2026-01-01T00:00:00Z") },
            );
      const withNull =
        op === "eq" || op === "ne" ? fc.oneof({ weight: 6, arbitrary: literal }, fc.constant(null)) : literal;
      return withNull.map((value) => ({ op, attribute, literal: value }));
    }),
  );
}

/** Filters up to three levels of and/or/not, with `emails[...]` value paths. */
export function userFilter(samples: Record<Kind, string[]>): fc.Arbitrary<FilterNode> {
  const { node } = fc.letrec<{ node: FilterNode; element: FilterNode }>((tie) => ({
    node: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      comparison(USER_ATTRIBUTES, samples),
      fc.record({ op: fc.constantFrom("and" as const, "or" as const), left: tie("node"), right: tie("node") }),
      fc.record({ op: fc.constant("not" as const), inner: tie("node") }),
      fc.record({ op: fc.constant("[]" as const), inner: tie("element") }),
    ),
    element: fc.oneof(
      { depthSize: "small" },
      comparison(EMAIL_ELEMENT, samples),
      fc.record({ op: fc.constantFrom("and" as const, "or" as const), left: tie("element"), right: tie("element") }),
      fc.record({ op: fc.constant("not" as const), inner: tie("element") }),
    ),
  }));
  return node
    .filter((filter) => depth(filter) <= 4 && comparisons(filter) <= 12)
    .map((filter) => Object.assign(filter, { [fc.toStringMethod]: () => filterText(filter) })); // counterexamples as text
}

const depth = (f: FilterNode): number =>
  "left" in f ? 1 + Math.max(depth(f.left), depth(f.right)) : "inner" in f ? 1 + depth(f.inner) : 0;
const comparisons = (f: FilterNode): number =>
  "left" in f ? comparisons(f.left) + comparisons(f.right) : "inner" in f ? comparisons(f.inner) : 1;

/** The filter as text: JSON string literals, parentheses around every and/or. */
export function filterText(filter: FilterNode): string {
  switch (filter.op) {
    case "and":
    case "or": {
      const { left, right } = filter as { left: FilterNode; right: FilterNode };
      return `(${filterText(left)} ${filter.op} ${filterText(right)})`;
    }
    case "not":
      return `not (${filterText((filter as { inner: FilterNode }).inner)})`;
    case "[]":
      return `emails[${filterText((filter as { inner: FilterNode }).inner)}]`;
    case "pr":
      return `${(filter as { attribute: Attribute }).attribute.path} pr`;
    default: {
      const { attribute, literal } = filter as { attribute: Attribute; literal: string | boolean | null };
      return `${attribute.path} ${filter.op} ${JSON.stringify(literal)}`;
    }
  }
}

/** RFC 7644 §3.4.2.2 on one resource (or one email element): the reference the SQL is held to. */
export function matches(filter: FilterNode, resource: Json): boolean {
  switch (filter.op) {
    case "and":
    case "or": {
      const { left, right } = filter as { left: FilterNode; right: FilterNode };
      return filter.op === "and"
        ? matches(left, resource) && matches(right, resource)
        : matches(left, resource) || matches(right, resource);
    }
    case "not":
      return !matches((filter as { inner: FilterNode }).inner, resource);
    case "[]": {
      const inner = (filter as { inner: FilterNode }).inner;
      return ((resource.emails ?? []) as Json[]).some((element) => matches(inner, element));
    }
  }
  const { attribute } = filter as { attribute: Attribute };
  const values = attribute.values(resource);
  const present = values.some((value) => value !== "");
  if (filter.op === "pr") return attribute.kind === "string" ? present : values.length > 0;
  const { literal } = filter as { literal: string | boolean | null };
  if (literal === null) return filter.op === "eq" ? !present : present;
  if (filter.op === "ne") return !values.some((value) => compare("eq", value, literal, attribute));
  return values.some((value) => compare(filter.op, value, literal, attribute));
}

function compare(op: string, value: unknown, literal: string | boolean, attribute: Attribute): boolean {
  if (attribute.kind === "boolean") return value === literal;
  const fold = (text: string) => (attribute.caseExact ? text : text.toLowerCase());
  const a = attribute.kind === "dateTime" ? new Date(String(value)).toISOString() : fold(String(value));
  const b = attribute.kind === "dateTime" ? new Date(String(literal)).toISOString() : fold(String(literal));
  switch (op) {
    case "eq":
      return a === b;
    case "co":
      return a.includes(b);
    case "sw":
      return a.startsWith(b);
    case "ew":
      return a.endsWith(b);
    case "gt":
      return a > b;
    case "ge":
      return a >= b;
    case "lt":
      return a < b;
    default:
      return a <= b;
  }
}
