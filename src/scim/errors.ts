/** RFC 7644 §3.12 error types. */
export type ScimErrorType =
  | "invalidFilter"
  | "tooMany"
  | "uniqueness"
  | "mutability"
  | "invalidSyntax"
  | "invalidPath"
  | "noTarget"
  | "invalidValue"
  | "invalidVers"
  | "sensitive"
  // RFC 9865 §5
  | "invalidCursor"
  | "expiredCursor";

export const ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error";

/** A failure that maps one-to-one onto a SCIM error response. Pure: no HTTP types. */
export class ScimError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly scimType?: ScimErrorType,
    /** Seconds the client should wait before sending the request again, for the Retry-After header. */
    readonly retryAfterSeconds?: number,
  ) {
    super(detail);
    this.name = "ScimError";
  }
}

export const invalidValue = (detail: string) => new ScimError(400, detail, "invalidValue");
export const invalidFilter = (detail: string) => new ScimError(400, detail, "invalidFilter");
export const invalidPath = (detail: string) => new ScimError(400, detail, "invalidPath");
export const invalidSyntax = (detail: string) => new ScimError(400, detail, "invalidSyntax");
export const noTarget = (detail: string) => new ScimError(400, detail, "noTarget");
export const mutability = (detail: string) => new ScimError(400, detail, "mutability");
export const uniqueness = (detail: string) => new ScimError(409, detail, "uniqueness");
export const invalidCursor = (detail: string) => new ScimError(400, detail, "invalidCursor");
export const notFound = (detail: string) => new ScimError(404, detail);

export function errorBody(error: ScimError) {
  return {
    schemas: [ERROR_SCHEMA],
    status: String(error.status),
    ...(error.scimType ? { scimType: error.scimType } : {}),
    detail: error.detail,
  };
}
