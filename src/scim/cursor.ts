import { invalidCursor } from "./errors";

/** Where a cursor continues a list: after the row with this sort value and id, in the list's `part`-th type. */
export interface CursorPosition {
  part: number;
  value: string;
  id: string;
  /** A previousCursor: the page is the rows before this one. */
  back: boolean;
}

const encoder = new TextEncoder();
const keys = new Map<string, Promise<CryptoKey>>();

/** The HMAC key for cursors, derived from the secret under its own label (the secret may serve elsewhere too). */
function cursorKey(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret);
  if (!key) {
    key = (async () => {
      const master = await crypto.subtle.importKey(
        "raw",
        encoder.encode(secret),
        { name: "HMAC", hash: "SHA-256" },
        false,
        ["sign"],
      );
      const derived = await crypto.subtle.sign("HMAC", master, encoder.encode("scim-edge list cursor v1"));
      return crypto.subtle.importKey("raw", derived, { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
    })();
    keys.set(secret, key);
  }
  return key;
}

const base64url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes))
    .replaceAll("+", "-")
    .replaceAll("/", "_")
    .replace(/=+$/, "");

function fromBase64url(text: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return undefined;
  try {
    return Uint8Array.from(atob(text.replaceAll("-", "+").replaceAll("_", "/")), (ch) => ch.charCodeAt(0));
  } catch {
    return undefined;
  }
}

/** A MAC over the list it belongs to (tenant, types, filter, order) and the position. */
const signed = (context: string, payload: string) => encoder.encode(`${context}\n${payload}`);

/**
 * RFC 9865 cursor: an opaque `payload.mac`. The payload is the keyset position (never an offset);
 * the MAC binds it to one tenant's list with one filter and order, so a cursor of another tenant,
 * another list or a changed byte is refused. Positions stay meaningful while rows come and go.
 */
export async function sealCursor(secret: string, context: string, position: CursorPosition): Promise<string> {
  const payload = base64url(
    encoder.encode(JSON.stringify([position.part, position.value, position.id, position.back ? 1 : 0])),
  );
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", await cursorKey(secret), signed(context, payload)));
  return `${payload}.${base64url(mac)}`;
}

/** The position a cursor names; 400 invalidCursor unless this server issued it for this very list. */
export async function openCursor(secret: string, context: string, cursor: string): Promise<CursorPosition> {
  const refused = invalidCursor("The cursor is not one this list issued: start again with an empty cursor.");
  const [payload, macText, ...rest] = cursor.split(".");
  const mac = fromBase64url(macText ?? "");
  if (rest.length > 0 || !payload || !mac || mac.length !== 32) throw refused;
  const valid = await crypto.subtle.verify("HMAC", await cursorKey(secret), mac, signed(context, payload));
  if (!valid) throw refused;
  const [part, value, id, back] = JSON.parse(new TextDecoder().decode(fromBase64url(payload))) as [
    number,
    string,
    string,
    number,
  ];
  return { part, value, id, back: back === 1 };
}
