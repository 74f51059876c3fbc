import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { AppEnv } from "../../env";
import { type Projection, parseProjection } from "../../scim/projection";
import { etag, ifNoneMatchHolds } from "../../scim/resource";
import { readJsonBody } from "../json-body";

export const SCIM_CONTENT_TYPE = "application/scim+json; charset=utf-8";

/** Every SCIM response, success or error, is application/scim+json. */
export function scimJson(
  c: Context,
  body: unknown,
  status: ContentfulStatusCode = 200,
  headers: Record<string, string> = {},
): Response {
  return c.body(JSON.stringify(body), status, { ...headers, "Content-Type": SCIM_CONTENT_TYPE });
}

/** JSON text read and written out piece by piece (a large group's members): never whole in memory. */
export class StreamedJson {
  constructor(readonly pieces: () => AsyncIterable<string>) {}
}

/** A SCIM response of JSON text and streamed pieces, in order, each written out as the client reads. */
export function streamedScimJson(
  c: Context,
  parts: (string | StreamedJson)[],
  status: ContentfulStatusCode = 200,
  headers: Record<string, string> = {},
): Response {
  async function* text() {
    for (const part of parts) {
      if (typeof part === "string") yield part;
      else yield* part.pieces();
    }
  }
  const pieces = text();
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await pieces.next();
      if (next.done) controller.close();
      else controller.enqueue(encoder.encode(next.value));
    },
  });
  return c.body(body, status, { ...headers, "Content-Type": SCIM_CONTENT_TYPE });
}

/** The request body as JSON (scim+json, json or undeclared; see readJsonBody for what is refused). */
export const readJson = (c: Context): Promise<unknown> => readJsonBody(c.req);

/** The request's projection, parsed on first use and kept for every resource the response renders. */
export function requestProjection(c: Context<AppEnv>): Projection {
  let projection = c.get("projection");
  if (!projection) {
    projection = parseProjection(c.req.query());
    c.set("projection", projection);
  }
  return projection;
}

/** A read answered with If-None-Match naming the current version: 304, no body, the ETag (RFC 7232 §4.1). */
export function notModified(c: Context, version: number): Response | undefined {
  if (!ifNoneMatchHolds(c.req.header("If-None-Match"), version)) return undefined;
  return c.body(null, 304, { ETag: etag(version) });
}
