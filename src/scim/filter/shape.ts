import type { Filter } from "./ast";

/** What stands for a comparison's value in a shape. */
export const LITERAL_PLACEHOLDER = "…";

/**
 * A filter's shape: its attribute names, operators and grouping, with every literal (string,
 * number, boolean or null) replaced by `…`. It says what a client asked about without recording
 * the values it asked with: `emails[type eq "work"]` is `emails[type eq …]`.
 */
export function filterShape(filter: Filter): string {
  switch (filter.op) {
    case "and":
      // `or` binds looser than `and`: an `or` inside an `and` keeps its parentheses.
      return filter.filters
        .map((part) => (part.op === "or" ? `(${filterShape(part)})` : filterShape(part)))
        .join(" and ");
    case "or":
      return filter.filters.map(filterShape).join(" or ");
    case "not":
      return `not (${filterShape(filter.filter)})`;
    case "[]":
      return `${filter.attrPath}[${filterShape(filter.valFilter)}]`;
    case "pr":
      return `${filter.attrPath} pr`;
    default:
      return `${filter.attrPath} ${filter.op} ${LITERAL_PLACEHOLDER}`;
  }
}
