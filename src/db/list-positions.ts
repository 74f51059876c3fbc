import type { SortKey } from "./keyset";

/** Where a list position lies in the (created_at, id) order: at a row, or just after one. */
export interface Position {
  key: SortKey;
  inclusive: boolean;
  /** The organization's members_revision when the position was seen; any add or delete moves positions. */
  revision: number;
}

const MAX_ENTRIES = 2_000;

/**
 * Recently served positions of each organization's unfiltered member list, in this isolate's memory.
 * SCIM pages by startIndex; a client paging through (Okta's import asks for 1, 101, 201, …) finds the
 * next page's start here and seeks to it by key, instead of walking an OFFSET over every row before it.
 * An entry counts only while the revision it was seen at is still current.
 */
export class ListPositions {
  readonly #entries = new Map<string, Position>();

  find(orgId: string, startIndex: number): Position | undefined {
    return this.#entries.get(`${orgId}:${startIndex}`);
  }

  /** Remembers where a served page starts and where the next one would. */
  remember(orgId: string, revision: number, startIndex: number, keys: SortKey[]): void {
    if (keys.length === 0) return;
    this.#set(`${orgId}:${startIndex}`, { key: keys[0], inclusive: true, revision });
    this.#set(`${orgId}:${startIndex + keys.length}`, { key: keys[keys.length - 1], inclusive: false, revision });
  }

  #set(key: string, position: Position) {
    this.#entries.delete(key);
    this.#entries.set(key, position);
    // Oldest first in a Map: drop from the front to stay bounded.
    for (const stale of this.#entries.keys()) {
      if (this.#entries.size <= MAX_ENTRIES) break;
      this.#entries.delete(stale);
    }
  }
}

export const memberListPositions = new ListPositions();
