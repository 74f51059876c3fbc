/**
 * How a string that is not caseExact is compared (RFC 7643 §2.2), and the one case folding of the
 * service: ASCII letters A–Z become a–z, every other character stays as it is. It is exactly
 * SQLite's built-in lower() (D1 has no ICU; src/db/folding.ts is its SQL side), so a value folded
 * here and one folded by the database (the email mirror's and the sort keys' triggers, a JSON value
 * in a filter) always agree, and every case-insensitive rule is this one: uniqueness of userName,
 * email and team names, filters, sorting, the consoles' searches. Linear in the text.
 */
export const foldCase = (text: string): string => text.replace(/[A-Z]+/g, (letters) => letters.toLowerCase());
