import { invalidFilter } from "../errors";
import type { Compare, CompareOp, Filter } from "./ast";
import { type Token, tokenize } from "./tokenize";

export type { Filter };

/**
 * Bounds that keep a filter's SQL inside D1's limits (100 bound parameters, expression depth 100):
 * a comparison binds at most three parameters and each nesting level adds a few levels of depth.
 */
const MAX_FILTER_LENGTH = 4096;
const MAX_COMPARISONS = 24;
const MAX_NESTING = 16;
/**
 * Open `(`, `[` and `not` at any point while parsing. A `not (` pair is one level of the result, so
 * twice its depth; this also bounds the parser's recursion before the result's depth is known.
 */
const MAX_GROUPING = 2 * MAX_NESTING;

const COMPARE_OPS = new Set<string>(["eq", "ne", "co", "sw", "ew", "gt", "lt", "ge", "le"]);
// ATTRNAME, optionally with sub-attributes and a schema URN prefix; one character class, so linear.
const ATTRIBUTE_PATH = /^[A-Za-z][\w:.$-]*$/;
/** An attribute path as a filter or a PATCH path names it: `emails`, `name.givenName`, `urn:…:User:manager`. */
export const isAttributePath = (text: string) => ATTRIBUTE_PATH.test(text);
// A JSON number (RFC 8259 §6): each part is unambiguous, so the match is linear too.
const NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?$/;

/**
 * Parses an RFC 7644 §3.4.2.2 filter by recursive descent over the tokens of `tokenize`. Operators
 * and the keywords `true`/`false`/`null` are case-insensitive; `not` binds tighter than `and`, which
 * binds tighter than `or`. Entra's `emails[type eq "work"].value eq "x"` is about ONE element, so it
 * reads as `emails[type eq "work" and value eq "x"]`. Every step is linear in the filter's length:
 * the text is parsed before the caller's token is checked. Syntax errors and filters beyond the size
 * limits are 400 invalidFilter.
 */
export function parseFilter(text: string): Filter {
  if (text.trim() === "") throw invalidFilter("The filter is empty: leave filter out to list every resource.");
  if (text.length > MAX_FILTER_LENGTH) {
    throw invalidFilter(`The filter is longer than ${MAX_FILTER_LENGTH} characters.`);
  }
  const parser = new Parser(tokenize(text));
  const filter = parser.filter();
  parser.expectEnd();
  if (height(filter) > MAX_NESTING) {
    throw invalidFilter(`The filter nests deeper than ${MAX_NESTING} levels.`);
  }
  return filter;
}

class Parser {
  private next = 0;
  private grouping = 0;
  private comparisons = 0;

  constructor(private readonly tokens: Token[]) {}

  /** filter = term *("or" term) */
  filter(): Filter {
    return this.chain("or", () => this.term());
  }

  expectEnd(): void {
    if (this.peek()) throw this.unexpected("and, or, or the end of the filter");
  }

  /** term = factor *("and" factor) */
  private term(): Filter {
    return this.chain("and", () => this.factor());
  }

  private chain(op: "and" | "or", operand: () => Filter): Filter {
    const first = operand();
    const filters = [first];
    while (this.isKeyword(this.peek(), op)) {
      this.next++;
      filters.push(operand());
    }
    return filters.length === 1 ? first : { op, filters };
  }

  /** factor = "not" factor / "(" filter ")" / attrPath ("pr" / compareOp compValue / "[" filter "]" [".subAttr" …]) */
  private factor(): Filter {
    const token = this.take("an attribute, not or (");
    if (token.kind === "(") {
      const filter = this.grouped(() => this.filter());
      this.expect(")");
      return filter;
    }
    if (this.isKeyword(token, "not")) return { op: "not", filter: this.grouped(() => this.factor()) };
    const attrPath = this.attributePath(token);
    if (this.peek()?.kind !== "[") return this.comparison(attrPath);
    this.next++;
    const valFilter = this.grouped(() => this.filter());
    this.expect("]");
    const sub = this.peek();
    if (sub?.kind !== "word" || !sub.text.startsWith(".")) return { op: "[]", attrPath, valFilter };
    this.next++;
    const element = this.comparison(this.attributePath({ ...sub, text: sub.text.slice(1) }));
    return { op: "[]", attrPath, valFilter: { op: "and", filters: [valFilter, element] } };
  }

  private comparison(attrPath: string): Filter {
    if (++this.comparisons > MAX_COMPARISONS) {
      throw invalidFilter(`The filter has more than ${MAX_COMPARISONS} comparisons.`);
    }
    const operator = this.take("an operator (eq, ne, co, sw, ew, gt, lt, ge, le, pr)");
    const op = operator.kind === "word" ? operator.text.toLowerCase() : "";
    if (op === "pr") return { op, attrPath };
    if (!COMPARE_OPS.has(op)) throw this.unexpected("an operator (eq, ne, co, sw, ew, gt, lt, ge, le, pr)", operator);
    return { op: op as CompareOp, attrPath, compValue: this.value() };
  }

  private value(): Compare["compValue"] {
    const token = this.take("a value");
    if (token.kind === "string") return token.value;
    if (token.kind === "word") {
      const keyword = token.text.toLowerCase();
      if (keyword === "true" || keyword === "false" || keyword === "null") return JSON.parse(keyword);
      if (NUMBER.test(token.text)) {
        const number = Number(token.text);
        if (Number.isFinite(number)) return number;
      }
    }
    throw this.unexpected('a value ("string", number, true, false or null)', token);
  }

  private attributePath(token: Token): string {
    if (token.kind === "word" && ATTRIBUTE_PATH.test(token.text)) return token.text;
    throw this.unexpected("an attribute", token);
  }

  /** Runs `parse` one grouping level deeper, refusing before the recursion can grow with the input. */
  private grouped(parse: () => Filter): Filter {
    if (++this.grouping > MAX_GROUPING) {
      throw invalidFilter(`The filter nests deeper than ${MAX_NESTING} levels.`);
    }
    const filter = parse();
    this.grouping--;
    return filter;
  }

  private isKeyword(token: Token | undefined, keyword: string): boolean {
    return token?.kind === "word" && token.text.toLowerCase() === keyword;
  }

  private peek(): Token | undefined {
    return this.tokens[this.next];
  }

  private take(expected: string): Token {
    const token = this.tokens[this.next++];
    if (!token) throw this.unexpected(expected);
    return token;
  }

  private expect(kind: ")" | "]"): void {
    const token = this.take(kind);
    if (token.kind !== kind) throw this.unexpected(kind, token);
  }

  private unexpected(expected: string, token = this.peek()) {
    const found = token ? `${describe(token)} at character ${token.at}` : "the end of the filter";
    return invalidFilter(
      `The filter is not valid filter syntax (RFC 7644 §3.4.2.2): expected ${expected}, found ${found}.`,
    );
  }
}

/** The filter's own words only: any other word may be a value (an unquoted password, say), and an error's detail is stored. */
const KEYWORDS = new Set([...COMPARE_OPS, "pr", "and", "or", "not", "true", "false", "null"]);

function describe(token: Token): string {
  if (token.kind === "word") return KEYWORDS.has(token.text.toLowerCase()) ? JSON.stringify(token.text) : "a word";
  if (token.kind === "string") return "a string";
  return `"${token.kind}"`;
}

/** Levels of the parsed filter: a comparison is 1; recursion is bounded by MAX_GROUPING. */
function height(filter: Filter): number {
  switch (filter.op) {
    case "and":
    case "or":
      return 1 + Math.max(...filter.filters.map(height));
    case "not":
      return 1 + height(filter.filter);
    case "[]":
      return 1 + height(filter.valFilter);
    default:
      return 1;
  }
}
