import { describe, expect, it } from "vitest";
import { ScimError } from "../../src/scim/errors";
import { parseFilter } from "../../src/scim/filter/parse";

const LIMIT = 4096;

/** `prefix`, then `unit` repeated, then `suffix`: as close to the 4,096-character limit as the unit allows. */
function filled(prefix: string, unit: string, suffix = ""): string {
  return prefix + unit.repeat(Math.floor((LIMIT - prefix.length - suffix.length) / unit.length)) + suffix;
}

// Filters an unauthenticated caller can send: each is parsed before the token is checked.
const hostile: [shape: string, filter: string][] = [
  // The old tokenizer's regex doubled its work with each newline after an unclosed quote (28: 1.5 s).
  ["an unclosed quote and 24 newlines", `userName eq "${"\n".repeat(24)}`],
  ["an unclosed quote and 28 newlines", `userName eq "${"\n".repeat(28)}`],
  ["an unclosed quote and newlines", filled('userName eq "', "\n")],
  ["an unclosed quote and letters", filled('userName eq "', "a")],
  ["an unclosed quote and unicode", filled('userName eq "', "é😀")],
  ["an unclosed quote and escaped quotes", filled('userName eq "', '\\"')],
  ["an unclosed quote and backslash-newlines", filled('userName eq "', "\\\n")],
  ["a run of backslashes in an unclosed string", filled('userName eq "', "\\")],
  ["a run of backslashes in a string", filled('userName eq "', "\\", '"')],
  ["a run of backslashes outside strings", filled("userName eq ", "\\")],
  ["only quotes", filled("", '"')],
  ["quotes and newlines", filled('userName eq "', '"\n')],
  ["nested parentheses", filled("", "(")],
  ["nested parentheses, closed", `${"(".repeat(2000)}userName pr${")".repeat(2000)}`],
  ["nested brackets", filled("emails", "[")],
  ["nested value paths", filled("", "emails[", 'value eq "x"')],
  ["repeated and", filled("userName pr", " and userName pr")],
  ["repeated or", filled("userName pr", " or userName pr")],
  ["repeated not", filled("", "not ", "userName pr")],
  ["repeated not (", filled("", "not (", "userName pr")],
  ["and, or and not alternating", filled("userName pr", " and not (userName pr) or userName pr")],
  ["bare and keywords", filled("", "and ")],
  ["newline runs between tokens", filled('userName eq "a"', "\n")],
  ["control characters", filled('userName eq "a"', "\u0000\u0001\u007f")],
  ["a huge number literal", filled("title eq ", "1")],
  ["a huge number literal and a letter", filled("title eq ", "1", "x")],
  ["a huge exponent", filled("title eq 1e", "9")],
  ["a number of minus signs and dots", filled("title eq ", "-.")],
  ["a unicode string", filled('title eq "', "é😀", '"')],
  ["unicode words", filled("", "ü ")],
  ["a value path's sub-attribute, repeated", filled("", 'emails[type eq "x"].value eq "y" ')],
  ["closing brackets", filled("userName pr", "]")],
  ["a long attribute path", filled("", "a.")],
  ["a long URN", filled("urn:", "x:", " pr")],
];

describe("parseFilter on hostile input", () => {
  it.each(hostile)("parses or refuses %s within 50 ms", (_shape, filter) => {
    expect(filter.length).toBeLessThanOrEqual(LIMIT);
    const started = performance.now();
    let failure: unknown;
    try {
      parseFilter(filter);
    } catch (error) {
      failure = error;
    }
    const elapsed = performance.now() - started;
    // A guard against super-linear blow-up, not a speed target: linear parsing takes well under 1 ms.
    expect(elapsed).toBeLessThan(50);
    if (failure !== undefined) {
      expect(failure).toBeInstanceOf(ScimError);
      expect({ status: (failure as ScimError).status, scimType: (failure as ScimError).scimType }).toEqual({
        status: 400,
        scimType: "invalidFilter",
      });
    }
  });

  it("names the control character and the unterminated string it refuses", () => {
    expect(() => parseFilter('userName eq "a\nb"')).toThrow(/control character \(U\+000A\) at character 15/);
    expect(() => parseFilter('userName eq "a"\n')).toThrow(/control character \(U\+000A\)/);
    expect(() => parseFilter('userName eq "abc')).toThrow(/string opened at character 13 that is never closed/);
    expect(parseFilter('userName eq "a\\nb"')).toEqual({ op: "eq", attrPath: "userName", compValue: "a\nb" });
  });

  it("refuses numbers JSON cannot hold as a finite number", () => {
    expect(() => parseFilter(`title eq 1${"0".repeat(400)}`)).toThrow(ScimError);
    expect(parseFilter("title eq -1.5e3")).toEqual({ op: "eq", attrPath: "title", compValue: -1500 });
  });
});
