import { type Filter, parse } from "scim2-parse-filter";
import { invalidFilter } from "../errors";

export type { Filter };

/**
 * Bounds that keep a filter's SQL inside D1's limits (100 bound parameters, expression depth 100):
 * a comparison binds at most three parameters and each nesting level adds a few levels of depth.
 */
const MAX_FILTER_LENGTH = 4096;
const MAX_COMPARISONS = 24;
const MAX_NESTING = 16;

// The library mangles JSON escapes in string literals (`\\`, `\u00e9`), so literals are decoded here
// and replaced by numbered placeholders before it tokenizes the rest.
const STRING_LITERAL = /"(?:[^"\\]|\\[\s\S])*"/g;
// ABNF literals are case-insensitive (`True`, `NULL`); the library knows only the lower-case forms.
// Attribute names are case-insensitive too, so lower-casing a name that happens to be one is harmless.
const KEYWORD = /\b(?:true|false|null)\b/gi;
// `emails[type eq "work"].value eq "x"` (Entra) is about ONE element; the library would read it as two
// independent conditions, so it becomes `emails[(type eq "work") and value eq "x"]`. Runs after the
// literals are placeholders, so no bracket can hide inside a string.
const VALUE_PATH_SUB_ATTRIBUTE =
  /\[([^[\]]*)\]\.([a-z][\w-]*\s+(?:pr\b|(?:eq|ne|co|sw|ew|gt|ge|lt|le)\s+[^\s()[\]]+))/gi;

/**
 * Parses an RFC 7644 §3.4.2.2 filter into the scim2-parse-filter AST, with string literals decoded
 * as JSON strings. Syntax errors and filters beyond the size limits are 400 invalidFilter.
 */
export function parseFilter(text: string): Filter {
  if (text.trim() === "") throw invalidFilter("The filter is empty: leave filter out to list every resource.");
  if (text.length > MAX_FILTER_LENGTH) {
    throw invalidFilter(`The filter is longer than ${MAX_FILTER_LENGTH} characters.`);
  }
  const literals: string[] = [];
  const prepared = text
    .replace(STRING_LITERAL, (literal) => `"${literals.push(decodeString(literal, text)) - 1}"`)
    .replace(KEYWORD, (keyword) => keyword.toLowerCase())
    .replace(VALUE_PATH_SUB_ATTRIBUTE, "[($1) and $2]");
  let filter: Filter;
  try {
    filter = parse(prepared);
  } catch {
    throw invalidFilter(`The filter ${JSON.stringify(text)} is not valid filter syntax (RFC 7644 §3.4.2.2).`);
  }
  return restoreLiterals(filter, literals, text);
}

function decodeString(literal: string, text: string): string {
  try {
    return JSON.parse(literal) as string;
  } catch {
    throw invalidFilter(`The filter ${JSON.stringify(text)} has a malformed string ${literal}.`);
  }
}

/** Puts the decoded literals back in place of their placeholders, enforcing the size limits on the way. */
function restoreLiterals(root: Filter, literals: string[], text: string): Filter {
  let comparisons = 0;
  const visit = (filter: Filter, nesting: number): Filter => {
    if (nesting > MAX_NESTING) {
      throw invalidFilter(`The filter ${JSON.stringify(text)} nests deeper than ${MAX_NESTING} levels.`);
    }
    switch (filter.op) {
      case "and":
      case "or":
        return { ...filter, filters: filter.filters.map((part) => visit(part, nesting + 1)) };
      case "not":
        return { ...filter, filter: visit(filter.filter, nesting + 1) };
      case "[]":
        return { ...filter, valFilter: visit(filter.valFilter, nesting + 1) };
    }
    if (++comparisons > MAX_COMPARISONS) {
      throw invalidFilter(`The filter ${JSON.stringify(text)} has more than ${MAX_COMPARISONS} comparisons.`);
    }
    if (filter.op === "pr" || typeof filter.compValue !== "string") return filter;
    // Only quoted tokens parse to strings, and every quoted token is a placeholder.
    return { ...filter, compValue: literals[Number(filter.compValue)] };
  };
  return visit(root, 1);
}
