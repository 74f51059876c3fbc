import type { HonoRequest } from "hono";

/** The media types a JSON body may be declared as (any parameters, any case); no Content-Type counts as JSON. */
const JSON_MEDIA_TYPES = new Set(["application/json", "application/scim+json"]);

/**
 * The deepest nesting of objects and arrays a body may have. The deepest the schemas allow is a
 * PatchOp carrying a path-less value with an extension's manager: body › Operations › operation ›
 * value › extension › manager, six levels. Deeper input is refused before anything walks it.
 */
export const MAX_JSON_DEPTH = 10;

export type BodyProblem = "unsupported_media_type" | "not_utf8" | "not_json" | "too_deep";

/** A request body that cannot be read as JSON; each API maps it onto its own error format. */
export class BodyError extends Error {
  constructor(
    readonly problem: BodyProblem,
    message: string,
  ) {
    super(message);
    this.name = "BodyError";
  }
}

/**
 * Reads a request body as JSON: declared as JSON (or undeclared), strictly UTF-8, nested no deeper
 * than MAX_JSON_DEPTH, then parsed. The error messages never echo the body.
 */
export async function readJsonBody(request: HonoRequest): Promise<unknown> {
  const contentType = request.header("Content-Type")?.trim();
  if (contentType && !JSON_MEDIA_TYPES.has(mediaType(contentType))) {
    throw new BodyError(
      "unsupported_media_type",
      "The request body must be JSON: send Content-Type application/scim+json or application/json.",
    );
  }
  const bytes = await request.arrayBuffer(); // outside the try: the body limit's 413 is not a decoding problem
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new BodyError("not_utf8", "The request body is not valid UTF-8.");
  }
  if (exceedsDepth(text, MAX_JSON_DEPTH)) {
    throw new BodyError("too_deep", `The request body nests objects and arrays deeper than ${MAX_JSON_DEPTH} levels.`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new BodyError("not_json", "The request body is not valid JSON.");
  }
}

/** `Application/SCIM+JSON; charset=UTF-8` → `application/scim+json`. */
const mediaType = (contentType: string) => contentType.split(";", 1)[0].trim().toLowerCase();

/**
 * Whether the text opens more than `limit` objects or arrays inside one another: one pass over the
 * characters, skipping string literals, so even a megabyte of brackets costs a single linear scan.
 */
export function exceedsDepth(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const char = text.charCodeAt(i);
    if (inString) {
      if (char === BACKSLASH) i++;
      else if (char === QUOTE) inString = false;
    } else if (char === QUOTE) {
      inString = true;
    } else if (char === OPEN_BRACE || char === OPEN_BRACKET) {
      if (++depth > limit) return true;
    } else if (char === CLOSE_BRACE || char === CLOSE_BRACKET) {
      depth--;
    }
  }
  return false;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
