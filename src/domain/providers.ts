import type { Actor } from "../db/activity-entries";
import type { ScimProvider, Source } from "../db/schema";

/**
 * How every sentence names a member's source or an identity provider, in one table: the console, the
 * activity log's sentences, conflicts, and the refusals the identity provider itself is shown.
 * `product` is the name of the provider's switch in Settings.
 */
const PROVIDERS: Record<Source, { name: string; product: string }> = {
  okta: { name: "Okta", product: "Okta" },
  entra: { name: "Microsoft Entra ID", product: "Microsoft Entra ID" },
  generic: { name: "SCIM client", product: "Generic SCIM 2.0" },
  manual: { name: "Manual", product: "Manual" },
};

const isSource = (value: unknown): value is Source => typeof value === "string" && Object.hasOwn(PROVIDERS, value);

/** "Okta", "Microsoft Entra ID", "SCIM client" (a generic SCIM 2.0 client), "Manual"; anything else: "SCIM client". */
export const providerName = (source: string | null | undefined): string =>
  PROVIDERS[isSource(source) ? source : "generic"].name;

/** The name of a provider's switch in Settings: "Generic SCIM 2.0" for the generic one. */
export const providerProduct = (provider: ScimProvider): string => PROVIDERS[provider].product;

/** The provider an actor of the activity log is (`scim:okta`), or undefined for an admin. */
export const actorProvider = (actor: Actor | string): Source | undefined => {
  const provider = actor.startsWith("scim:") ? actor.slice("scim:".length) : undefined;
  return isSource(provider) && provider !== "manual" ? provider : undefined;
};

/** The identity provider an actor is, by name: "Okta" for `scim:okta`. */
export const actorProviderName = (actor: Actor | string): string => providerName(actorProvider(actor));
