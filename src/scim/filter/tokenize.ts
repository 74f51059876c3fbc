import { invalidFilter } from "../errors";

/**
 * A filter's tokens. `word` is any run of other characters (attribute paths, operators, keywords,
 * numbers): the parser decides what each must be. `at` is the 1-based character position, for errors.
 */
export type Token =
  | { kind: "word"; text: string; at: number }
  | { kind: "string"; value: string; at: number }
  | { kind: "(" | ")" | "[" | "]"; at: number };

const SPACE = 0x20;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Splits a filter into tokens in one pass over its characters, each looked at a bounded number of
 * times: the text reaches this before the caller's token has been checked, so nothing here may
 * backtrack. Tokens are separated by spaces (RFC 7644's SP); any control character (newlines
 * included) and an unterminated string are refused.
 */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const code = text.charCodeAt(i);
    if (code === SPACE) {
      i++;
    } else if (isControl(code)) {
      throw controlCharacter(code, i);
    } else if (code === QUOTE) {
      const end = closingQuote(text, i);
      tokens.push({ kind: "string", value: decodeString(text.slice(i, end + 1), i), at: i + 1 });
      i = end + 1;
    } else if (isBracket(code)) {
      tokens.push({ kind: text[i] as "(" | ")" | "[" | "]", at: i + 1 });
      i++;
    } else {
      const start = i;
      while (i < text.length && !endsWord(text.charCodeAt(i))) i++;
      tokens.push({ kind: "word", text: text.slice(start, i), at: start + 1 });
    }
  }
  return tokens;
}

/** The index of the quote that closes the string opened at `open`; a backslash always takes the next character with it. */
function closingQuote(text: string, open: number): number {
  for (let i = open + 1; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === QUOTE) return i;
    if (isControl(code)) throw controlCharacter(code, i);
    if (code === BACKSLASH) i++;
  }
  throw invalidFilter(`The filter has a string opened at character ${open + 1} that is never closed.`);
}

/** String literals are JSON strings (RFC 7644 §3.4.2.2): `\"`, `\\`, `\u00e9`. */
function decodeString(literal: string, open: number): string {
  try {
    return JSON.parse(literal) as string;
  } catch {
    throw invalidFilter(`The filter's string at character ${open + 1} is not a valid JSON string.`);
  }
}

const isControl = (code: number) => code < SPACE || code === 0x7f;

const isBracket = (code: number) => code === 0x28 || code === 0x29 || code === 0x5b || code === 0x5d;

const endsWord = (code: number) => code === SPACE || code === QUOTE || isBracket(code) || isControl(code);

function controlCharacter(code: number, index: number) {
  const name = `U+${code.toString(16).toUpperCase().padStart(4, "0")}`;
  return invalidFilter(
    `The filter has a control character (${name}) at character ${index + 1}: tokens are separated by spaces, and strings escape control characters (\\n, \\u0000).`,
  );
}
