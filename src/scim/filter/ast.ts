/** The parsed form of an RFC 7644 §3.4.2.2 filter. Operators are lower-case; attribute paths as written. */
export type Filter = Compare | Suffix | ValuePath | LogicalFilter | NotFilter;

export type CompareOp = "eq" | "ne" | "co" | "sw" | "ew" | "gt" | "lt" | "ge" | "le";

export interface Compare {
  op: CompareOp;
  attrPath: string;
  compValue: boolean | null | number | string;
}

export interface Suffix {
  op: "pr";
  attrPath: string;
}

/** `emails[type eq "work"]`: some element of `attrPath` satisfies `valFilter`. */
export interface ValuePath {
  op: "[]";
  attrPath: string;
  valFilter: Filter;
}

export interface LogicalFilter {
  op: "and" | "or";
  filters: Filter[];
}

export interface NotFilter {
  op: "not";
  filter: Filter;
}
