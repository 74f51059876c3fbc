const TOKEN_BYTES = 32; // 256 bits

/** A new secret: 256 random bits, base64url, with a prefix that makes a leaked one easy to spot. */
export function generateSecret(prefix: string): string {
  const bytes = crypto.getRandomValues(new Uint8Array(TOKEN_BYTES));
  return `${prefix}_${base64url(bytes)}`;
}

/** A new SCIM secret token. */
export const generateSecretToken = () => generateSecret("scim");

export async function hashToken(token: string): Promise<string> {
  const digest = await sha256(token);
  return [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Compares a presented secret with an expected one in constant time (over their hashes, so lengths leak nothing). */
export async function secretsEqual(presented: string, expected: string): Promise<boolean> {
  const [a, b] = await Promise.all([sha256(presented), sha256(expected)]);
  return crypto.subtle.timingSafeEqual(a, b);
}

/** Compares the hash of a presented token (hashToken) with a stored hash in constant time. */
export function hashesEqual(presentedHash: string, storedHash: string): boolean {
  const encoder = new TextEncoder();
  const [a, b] = [encoder.encode(presentedHash), encoder.encode(storedHash)];
  return a.byteLength === b.byteLength && crypto.subtle.timingSafeEqual(a, b);
}

async function sha256(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
}

function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes))
    .replaceAll("+", "-")
    .replaceAll("/", "_")
    .replace(/=+$/, "");
}
