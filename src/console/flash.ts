import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";

/**
 * What an action did, told on the page it redirects to (a deleted member has no page left to say it
 * on): kept for that next page view only, in a short-lived cookie that only this origin's answers set
 * (`__Host-`, HttpOnly, SameSite=Strict), never in the URL, so no link can put words in the console's mouth.
 */
const COOKIE = "console_flash";

export function flash(c: Context, message: string): void {
  setCookie(c, COOKIE, message, { prefix: "host", httpOnly: true, sameSite: "Strict", maxAge: 60 });
}

/** The message an action left for this page, once: reading it clears it. */
export function takeFlash(c: Context): string | undefined {
  const message = getCookie(c, COOKIE, "host");
  if (message === undefined) return undefined;
  deleteCookie(c, COOKIE, { prefix: "host", secure: true, path: "/" });
  return message || undefined;
}
