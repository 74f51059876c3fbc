import type { Child } from "hono/jsx";
import type { Source } from "../db/schema";
import { providerName } from "../domain/providers";

/** Inline SVG marks, drawn here (no third-party assets): a ring for Okta, a prism for Entra, linked nodes for SCIM. */
const MARKS: Record<Source, { body: Child }> = {
  okta: {
    body: <circle cx="12" cy="12" r="7" fill="none" stroke="#0b3fa8" stroke-width="4" />,
  },
  entra: {
    body: (
      <>
        <path d="M12 2 21 15 12 22 3 15Z" fill="#0a6ed1" />
        <path d="M12 2 12 22 3 15Z" fill="#0551a0" />
      </>
    ),
  },
  generic: {
    body: (
      <>
        <path d="M6 6 18 12 6 18" fill="none" stroke="#4a3aa8" stroke-width="2" />
        <circle cx="6" cy="6" r="3" fill="#4a3aa8" />
        <circle cx="18" cy="12" r="3" fill="#4a3aa8" />
        <circle cx="6" cy="18" r="3" fill="#4a3aa8" />
      </>
    ),
  },
  manual: {
    body: (
      <>
        <circle cx="12" cy="8" r="4" fill="#4b5563" />
        <path d="M4 21c0-4.4 3.6-7 8-7s8 2.6 8 7Z" fill="#4b5563" />
      </>
    ),
  },
};

/** A source by name, from the one table (src/domain/providers.ts). */
export const sourceLabel = (source: Source) => providerName(source);

/** A source's mark; decorative unless `title` is given (then it is an image with that name). */
export function SourceIcon({ source, size = 20, title }: { source: Source; size?: number; title?: string }) {
  return (
    <svg
      class="icon"
      viewBox="0 0 24 24"
      width={size}
      height={size}
      role={title ? "img" : undefined}
      aria-hidden={title ? undefined : "true"}
      aria-label={title}
      data-source={source}
    >
      {MARKS[source].body}
    </svg>
  );
}

export function LockIcon() {
  return (
    <svg class="icon" viewBox="0 0 24 24" width="16" height="16" aria-hidden="true">
      <rect x="5" y="10" width="14" height="11" rx="2" fill="currentColor" />
      <path d="M8 10V7a4 4 0 0 1 8 0v3" fill="none" stroke="currentColor" stroke-width="2" />
    </svg>
  );
}
