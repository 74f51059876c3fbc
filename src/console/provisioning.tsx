import type { Source } from "../db/schema";
import type { Conflict, Organization, ScimRequestRow } from "../db/schema-types";
import type { connectionHealth } from "../domain/scim-health";
import type { TimelineItem } from "../domain/timeline";
import { attributeLabel } from "../scim/schemas/labels";
import { describeActivity, describeChanges } from "./activity-sentence";
import { sourceLabel } from "./icons";

type Health = Awaited<ReturnType<typeof connectionHealth>>;

/** "just now", "3 minutes ago", "2 hours ago", "5 days ago". */
export function ago(iso: string, now = Date.now()): string {
  const minutes = Math.floor((now - Date.parse(iso)) / 60_000);
  if (minutes < 1) return "just now";
  const [value, unit] =
    minutes < 60
      ? [minutes, "minute"]
      : minutes < 2880
        ? [Math.floor(minutes / 60), "hour"]
        : [Math.floor(minutes / 1440), "day"];
  return `${value} ${unit}${value === 1 ? "" : "s"} ago`;
}

/** Settings → the connection's health: is the identity provider still talking to us? */
export function HealthPanel({
  organization,
  health,
  conflictsPath,
}: {
  organization: Organization;
  health: Health;
  conflictsPath: string;
}) {
  const provider = sourceLabel(organization.scimProvider ?? "generic");
  return (
    <section class="panel" aria-labelledby="health-heading">
      <h2 id="health-heading">Connection</h2>
      <p>
        {health.lastRequestAt
          ? `${provider} last called ${ago(health.lastRequestAt)}.`
          : `${provider} has not called yet.`}
        {health.lastSuccessAt && ` Last success ${ago(health.lastSuccessAt)}.`}
      </p>
      <p>
        In the last 24 hours: {health.requestsLast24h} {health.requestsLast24h === 1 ? "request" : "requests"},{" "}
        {health.errorsLast24h > 0 ? (
          <a href={`${conflictsPath}#errors`}>
            {health.errorsLast24h} {health.errorsLast24h === 1 ? "error" : "errors"}
          </a>
        ) : (
          "no errors"
        )}
        .{health.tokenLastUsedAt && ` The token was last used ${ago(health.tokenLastUsedAt)}.`}
      </p>
      {!organization.scimEnabled && (
        <p class="hint">
          Provisioning is off: {provider}'s requests are refused until it is turned on again, with a new token.
        </p>
      )}
      {health.warnings.includes("no_recent_calls") && (
        <p class="warning" role="status">
          Provisioning is on, but {provider} has not called for more than a day. Check the integration in {provider}.
        </p>
      )}
      {health.warnings.includes("stale_token_attempts") && (
        <p class="warning" role="status">
          {provider} is still presenting an old token: {health.staleTokenAttempts}{" "}
          {health.staleTokenAttempts === 1 ? "request" : "requests"} since the token last changed. Enter the current
          Secret Token in {provider}.
        </p>
      )}
    </section>
  );
}

/** A conflict in a sentence, as the conflicts page lists it. */
export function conflictSentence(conflict: Conflict): string {
  const provider = sourceLabel((conflict.provider ?? "generic") as Source);
  const name = conflict.targetName ?? "";
  switch (conflict.kind) {
    case "email_held_by_manual_member":
      return `${provider} could not create ${name}: a member created manually here holds that email.`;
    case "no_licence":
      return `${provider} could not create ${name}: no licence free (${conflict.licensesUsed} of ${conflict.licenses}).`;
    case "reactivation_refused":
      return `${provider} could not reactivate ${name}: no licence free (${conflict.licensesUsed} of ${conflict.licenses}).`;
    case "member_quota":
      return `${provider} could not create ${name}: the organization holds as many members as its quota allows.`;
    case "name_taken":
      return conflict.subject === conflict.targetId
        ? `${provider} could not update ${name}: another member has that email or username.`
        : `${provider} could not create ${name}: another member provisioned by ${provider} has that email or username.`;
    case "edited_while_off":
      return `${name} was changed here while provisioning was off: ${provider} will push its own version again.`;
    case "deleted_while_off":
      return `${name} was deleted here while provisioning was off: ${provider} will create it again.`;
  }
}

/** A member's own timeline: activity entries and the SCIM requests that concerned it, failures in red. */
export function Timeline({ items }: { items: TimelineItem[] }) {
  if (items.length === 0) return <p class="muted">Nothing recorded yet.</p>;
  return (
    <ol class="timeline">
      {items.map((item) => {
        if (item.kind === "activity") {
          const { entry } = item;
          const changed = entry.action === "member.updated" ? describeChanges(entry.changes).map((c) => c.name) : [];
          return (
            <li>
              <time datetime={entry.at}>{ago(entry.at)}</time>{" "}
              <span>
                {describeActivity(entry)}
                {changed.length > 0 && ` (${changed.join(", ")})`}
              </span>
            </li>
          );
        }
        return <RequestItem request={item.request} />;
      })}
    </ol>
  );
}

const UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
const ATTRIBUTE_PATH =
  /\burn:ietf:params:scim:schemas:[^\s,;"']+|\b(?:userName|externalId|displayName|emails|name\.\w+)\b/g;

/**
 * What a SCIM request or its error says, in words a person reads: attribute paths as their labels
 * ("Department", "Username"), and no resource ids.
 */
export function inWords(text: string): string {
  return text
    .replace(ATTRIBUTE_PATH, (path) => {
      const trailing = /[.)]*$/.exec(path)![0]; // the sentence's own punctuation
      return attributeLabel(path.slice(0, path.length - trailing.length)) + trailing;
    })
    .replace(new RegExp(`\\bNo (member|user|group|team) ${UUID}`, "gi"), "No such $1")
    .replace(new RegExp(`\\b(member|user|group|team) ${UUID}`, "gi"), "that $1")
    .replace(new RegExp(UUID, "gi"), "it");
}

/** One SCIM request in a list: who asked what, and how it ended; a failure in red with the error the client got. */
export function RequestItem({ request, named = false }: { request: ScimRequestRow; named?: boolean }) {
  const who = request.provider ? sourceLabel(request.provider as Source) : "A client";
  const name = named ? (request.userName ?? request.displayName) : null;
  return (
    <li class={request.failed ? "failed" : undefined}>
      <time datetime={request.at}>{ago(request.at)}</time>{" "}
      <span>
        {who}: {inWords(request.operation)}
        {name && ` ${name}`} → {request.status}
        {request.failed && (
          <>
            {" "}
            <strong>failed</strong>
            {request.detail && `: ${inWords(request.detail)}`}
          </>
        )}
      </span>
    </li>
  );
}
