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

function messageChain(error: unknown): string {
  let text = "";
  for (let e = error; e instanceof Error; e = e.cause) text += ` ${e.message}`;
  return text;
}
