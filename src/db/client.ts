import { drizzle } from "drizzle-orm/d1";
import * as schema from "./schema";

export function database(d1: D1Database) {
  return drizzle(d1, { schema });
}

export type Database = ReturnType<typeof database>;

/** D1 reports constraint violations only through the error message. */
export function constraintFailed(error: unknown, constraint: string): boolean {
  const message = messageChain(error);
  return message.includes("constraint failed") && message.includes(constraint);
}

/** D1's transient failures, by the words of its error list: worth a retry by the client after a pause. */
const OVERLOADED = /overloaded/i;
const RETRYABLE = /Network connection lost|storage caused object to be reset|reset because its code was updated/i;

export function transientFailure(error: unknown): "overloaded" | "unavailable" | undefined {
  const message = messageChain(error);
  if (OVERLOADED.test(message)) return "overloaded";
  return RETRYABLE.test(message) ? "unavailable" : undefined;
}

function messageChain(error: unknown): string {
  let text = "";
  for (let e = error; e instanceof Error; e = e.cause) text += ` ${e.message}`;
  return text;
}
