import { type Column, getTableColumns, type Table } from "drizzle-orm";
import * as v from "valibot";

type Columns<T extends Table> = T["_"]["columns"];
type NotNull<T extends Table> = {
  [K in keyof Columns<T>]: Columns<T>[K]["_"]["notNull"] extends true ? K : never;
}[keyof Columns<T>];

/**
 * A row as it travels before it is stored (on the queue, in the outbox): the table's columns but
 * those the insert derives, a nullable one absent rather than NULL. Its type and its validation both
 * come from the table, so a new column is the table's line and the one place that fills it.
 */
export type RecordOf<T extends Table, Derived extends keyof Columns<T> = never> = {
  [K in Exclude<NotNull<T>, Derived>]: Columns<T>[K]["_"]["data"];
} & {
  [K in Exclude<keyof Columns<T>, NotNull<T> | Derived>]?: Columns<T>[K]["_"]["data"];
};

type Refinements<R> = { [K in keyof R]?: v.GenericSchema<unknown, Exclude<R[K], undefined>> };

/**
 * The valibot schema of a table's records: each column's type (text, integer, boolean, a text
 * enum's values), optional where the column may be NULL, and `refine` for what the column type does
 * not say (an id is a UUID, a time ISO-8601, JSON's shape).
 */
export function recordSchema<T extends Table, Derived extends keyof Columns<T> = never>(
  table: T,
  options: { derived?: readonly Derived[]; refine?: Refinements<RecordOf<T, Derived>> } = {},
): v.GenericSchema<unknown, RecordOf<T, Derived>> {
  const derived = new Set<string>(options.derived as readonly string[] | undefined);
  const refine = (options.refine ?? {}) as Record<string, v.GenericSchema>;
  const entries: Record<string, v.GenericSchema> = {};
  for (const [key, column] of Object.entries(getTableColumns(table) as Record<string, Column>)) {
    if (derived.has(key)) continue;
    const schema = refine[key] ?? columnSchema(column);
    entries[key] = column.notNull ? schema : v.optional(schema);
  }
  return v.object(entries) as unknown as v.GenericSchema<unknown, RecordOf<T, Derived>>;
}

function columnSchema(column: Column): v.GenericSchema {
  if (column.enumValues?.length) return v.picklist(column.enumValues);
  switch (column.dataType) {
    case "string":
      return v.string();
    case "number":
      return v.pipe(v.number(), v.integer());
    case "boolean":
      return v.boolean();
    default:
      throw new Error(`No record schema for the ${column.dataType} column ${column.name}: refine it.`);
  }
}
