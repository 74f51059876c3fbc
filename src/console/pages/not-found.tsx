import type { Context } from "hono";
import { Document } from "../layout";

/** The one answer for a page that does not exist and for one that is not this session's to see. */
export function notFoundPage(c: Context) {
  c.status(404);
  return c.html(
    <Document title="Not found">
      <main class="sign-in" id="main">
        <h1>Page not found</h1>
        <p>There is no such page, or it is not yours to see.</p>
        <p>
          <a href="/console">Back to the console</a>
        </p>
      </main>
    </Document>,
  );
}

export function errorPage(c: Context, status: 400 | 403 | 429 | 500 | 503, title: string, message: string) {
  c.status(status);
  return c.html(
    <Document title={title}>
      <main class="sign-in" id="main">
        <h1>{title}</h1>
        <p>{message}</p>
        <p>
          <a href="/console">Back to the console</a>
        </p>
      </main>
    </Document>,
  );
}
