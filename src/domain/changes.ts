import type { Changes } from "../db/activity-entries";

/**
 * Which attributes of a document changed, with old and new values. Extension attributes are
 * reported one by one under their qualified name (`urn:...:User:department`).
 */
export function diffDocuments(before: Record<string, unknown>, after: Record<string, unknown>): Changes {
  const changes: Changes = {};
  for (const [name, from, to] of pairs(before, after)) {
    if (name === "schemas") continue;
    if (name.startsWith("urn:") && isObject(from ?? {}) && isObject(to ?? {})) {
      for (const [sub, subFrom, subTo] of pairs(asObject(from), asObject(to))) {
        if (!sameValue(subFrom, subTo)) changes[`${name}:${sub}`] = { from: subFrom ?? null, to: subTo ?? null };
      }
    } else if (!sameValue(from, to)) {
      changes[name] = { from: from ?? null, to: to ?? null };
    }
  }
  return changes;
}

function pairs(before: Record<string, unknown>, after: Record<string, unknown>) {
  const names = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...names].map((name) => [name, before[name], after[name]] as const);
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const asObject = (value: unknown) => (isObject(value) ? value : {});

const sameValue = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
