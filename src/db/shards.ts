/**
 * Where organizations live. A deployment binds its shards as DB_SHARD_0 … DB_SHARD_N (numbered from
 * 0 without gaps) and its control plane as DB_CONTROL. An organization's id names the shard it was
 * created on, `s<k>-<uuid>`; ids made before there were shards (plain UUIDs) live on shard 0, which
 * is the database this service started with.
 */

export type ShardBinding = `DB_SHARD_${number}`;

/** The D1 bindings storage needs: the control plane and the shards. */
export type StorageBindings = { DB_CONTROL: D1Database } & { [binding: ShardBinding]: D1Database | undefined };

export const shardBinding = (shard: number): ShardBinding => `DB_SHARD_${shard}`;

/** The shards bound, in order: DB_SHARD_0 up to the first missing number. */
export function shardCount(env: StorageBindings): number {
  let count = 0;
  while (env[shardBinding(count)]) count++;
  return count;
}

const SHARD_PREFIX = /^s(\d{1,4})-/;

/** The shard an organization id names: the one it was created on (shard 0 for ids from before shards). */
export function homeShard(orgId: string): number {
  const match = SHARD_PREFIX.exec(orgId);
  return match ? Number(match[1]) : 0;
}

/** A new organization's id, naming the shard it is created on. */
export const newOrganizationId = (shard: number) => `s${shard}-${crypto.randomUUID()}`;
