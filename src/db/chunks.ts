/** D1 binds at most 100 parameters per statement. */
export const MAX_BOUND_PARAMETERS = 100;

/** Splits items so that a statement binding `perItem` parameters each, plus `fixed` others, stays within D1's limit. */
export function chunksFor<T>(items: readonly T[], perItem: number, fixed = 0): T[][] {
  const size = Math.floor((MAX_BOUND_PARAMETERS - fixed) / perItem);
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}
