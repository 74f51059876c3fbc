import type { Database } from "../db/client";
import { now } from "../db/clock";
import {
  deleteConsoleSession,
  deleteExpiredConsoleRows,
  insertConsoleLink,
  insertConsoleSession,
  selectConsoleSession,
  selectUsableConsoleLink,
  touchConsoleSession,
  useConsoleLink,
} from "../db/console-queries";
import { getOrganization } from "./organizations";
import { generateSecret, hashToken, secretsEqual } from "./tokens";

const MINUTE = 60_000;
/** A session ends after an hour without a request, and 12 hours after sign-in whatever happens. */
export const SESSION_IDLE_MS = 60 * MINUTE;
export const SESSION_ABSOLUTE_MS = 12 * 60 * MINUTE;
/** A console link opens one session, within 10 minutes of being minted. */
export const LINK_LIFETIME_MS = 10 * MINUTE;
/** last_seen_at is written at most once a minute: not every page view needs a D1 write. */
const TOUCH_INTERVAL_MS = MINUTE;

/** Who a console session belongs to: the operator sees every organization, an org admin one. */
export type ConsoleScope = { kind: "operator" } | { kind: "organization"; orgId: string };

export interface ConsoleSession {
  /** The secret the cookie carries; the database holds only its hash. */
  id: string;
  scope: ConsoleScope;
}

const at = (ms: number) => new Date(ms).toISOString();

async function openSession(control: Database, orgId: string | null): Promise<string> {
  const id = generateSecret("cs");
  const timestamp = now();
  await insertConsoleSession(control, {
    idHash: await hashToken(id),
    orgId,
    createdAt: timestamp,
    lastSeenAt: timestamp,
  });
  return id;
}

/** Operator sign-in with the deployment's ADMIN_TOKEN (compared in constant time); undefined when wrong. */
export async function signInOperator(control: Database, presented: string, adminToken: string | undefined) {
  if (!adminToken || !(await secretsEqual(presented, adminToken))) return undefined;
  return openSession(control, null);
}

/**
 * Mints a single-use console link for one organization's admin (`db` is its shard): the token
 * (shown once) and when it expires. Sessions and links live on the control plane, `control`.
 */
export async function mintConsoleLink(
  control: Database,
  db: Database,
  orgId: string,
): Promise<{ token: string; expiresAt: string }> {
  const organization = await getOrganization(db, orgId);
  const token = generateSecret("cl");
  const expiresAt = at(Date.parse(now()) + LINK_LIFETIME_MS);
  await insertConsoleLink(control, { tokenHash: await hashToken(token), orgId: organization.id, expiresAt });
  return { token, expiresAt };
}

/** The organization a link would open, without using it; undefined when used, expired or unknown. */
export async function peekConsoleLink(control: Database, token: string): Promise<string | undefined> {
  return (await selectUsableConsoleLink(control, await hashToken(token), now()))?.orgId;
}

/** Uses a link (once) and opens its organization-scoped session; undefined when used, expired or unknown. */
export async function redeemConsoleLink(
  control: Database,
  token: string,
): Promise<{ id: string; orgId: string } | undefined> {
  const link = await useConsoleLink(control, await hashToken(token), now());
  return link && { id: await openSession(control, link.orgId), orgId: link.orgId };
}

/**
 * The live session a cookie names, or undefined when it is unknown, idle for an hour or older than
 * 12 hours (an expired one is deleted). Keeps the session alive by recording the request.
 */
export async function resumeSession(control: Database, id: string): Promise<ConsoleSession | undefined> {
  const idHash = await hashToken(id);
  const row = await selectConsoleSession(control, idHash);
  if (!row) return undefined;
  const current = Date.parse(now());
  const lastSeen = Date.parse(row.lastSeenAt);
  if (current - lastSeen >= SESSION_IDLE_MS || current - Date.parse(row.createdAt) >= SESSION_ABSOLUTE_MS) {
    await deleteConsoleSession(control, idHash);
    return undefined;
  }
  if (current - lastSeen >= TOUCH_INTERVAL_MS) await touchConsoleSession(control, idHash, at(current));
  return { id, scope: row.orgId === null ? { kind: "operator" } : { kind: "organization", orgId: row.orgId } };
}

export async function endSession(control: Database, id: string): Promise<void> {
  await deleteConsoleSession(control, await hashToken(id));
}

/** The daily cron: sessions past their absolute lifetime and expired links go, in a bounded batch. */
export function purgeExpiredConsoleSessions(control: Database, current: Date): Promise<number> {
  return deleteExpiredConsoleRows(control, at(current.getTime() - SESSION_ABSOLUTE_MS), 1000);
}
