import { parse, type Filter } from "scim2-parse-filter";
import { invalidFilter } from "../errors";

export type { Filter };

/** Filters longer or deeper than this are refused before they reach the database. */
export const MAX_FILTER_LENGTH = 4096;
export const MAX_FILTER_DEPTH = 32;

/** Parses an RFC 7644 §3.4.2.2 filter; any syntax error is 400 invalidFilter. */
export function parseFilter(text: string): Filter {
  if (text.length > MAX_FILTER_LENGTH) throw invalidFilter(`The filter is longer than ${MAX_FILTER_LENGTH} characters.`);
  let filter: Filter;
  try {
    filter = parse(inlineValuePathSubAttributes(text));
  } catch (error) {
    throw invalidFilter(`The filter "${text}" is not valid: ${(error as Error).message}`);
  }
  if (depth(filter) > MAX_FILTER_DEPTH) throw invalidFilter(`The filter nests deeper than ${MAX_FILTER_DEPTH} levels.`);
  return filter;
}

function depth(filter: Filter): number {
  switch (filter.op) {
    case "and":
    case "or":
      return 1 + Math.max(...(filter as { filters: Filter[] }).filters.map(depth));
    case "not":
      return 1 + depth((filter as { filter: Filter }).filter);
    case "[]":
      return 1 + depth((filter as { valFilter: Filter }).valFilter);
    default:
      return 1;
  }
}

const SUB_ATTRIBUTE = /^\.([A-Za-z][\w$-]*)\s+([A-Za-z]{2})\b/;
const VALUE = /^\s+("(?:[^"\\]|\\.)*"|[^\s()\]]+)/;

/**
 * `emails[type eq "work"].value eq "x"` (Entra's form) means one element with type work AND value x.
 * The parser reads it as two independent conditions, so it is rewritten first to the equivalent
 * `emails[(type eq "work") and value eq "x"]`.
 */
function inlineValuePathSubAttributes(text: string): string {
  for (let rewritten = text, guard = 0; guard < 64; guard++) {
    const found = findValuePathSubAttribute(rewritten);
    if (!found) return rewritten;
    rewritten = found;
  }
  throw invalidFilter("The filter has too many value paths.");
}

function findValuePathSubAttribute(text: string): string | undefined {
  const opens: number[] = [];
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (inString) {
      if (char === "\\") i++;
      else if (char === '"') inString = false;
    } else if (char === '"') inString = true;
    else if (char === "[") opens.push(i);
    else if (char === "]") {
      const open = opens.pop();
      if (open === undefined || text[i + 1] !== ".") continue;
      const sub = SUB_ATTRIBUTE.exec(text.slice(i + 1));
      if (!sub) throw invalidFilter(`The filter "${text}" has a value path without a comparison.`);
      const [, name, operator] = sub;
      let end = i + 1 + sub[0].length;
      let comparison = `${name} ${operator}`;
      if (operator.toLowerCase() !== "pr") {
        const value = VALUE.exec(text.slice(end));
        if (!value) throw invalidFilter(`The filter "${text}" compares ${name} with nothing.`);
        comparison += ` ${value[1]}`;
        end += value[0].length;
      }
      return `${text.slice(0, open + 1)}(${text.slice(open + 1, i)}) and ${comparison}]${text.slice(end)}`;
    }
  }
  return undefined;
}
