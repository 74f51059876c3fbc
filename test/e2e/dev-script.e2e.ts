// `npm run dev` as a newcomer runs it: what it prints, and that what it prints signs them in.
import { type ChildProcess, spawn } from "node:child_process";
import { copyFileSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openBrowser } from "./browser";

const ROOT = resolve(import.meta.dirname, "../..");
/** Lines a terminal shows at once: what `npm run dev` says first must fit. */
const FIRST_SCREEN = 24;

let child: ChildProcess | undefined;
let checkout = "";
afterAll(() => {
  if (child?.pid) process.kill(-child.pid, "SIGTERM");
  if (checkout) rmSync(checkout, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}

/**
 * A fresh checkout's shape in a temporary directory: the repository's files linked in (wrangler.toml
 * copied, so wrangler finds `.dev.vars` and `.wrangler/` there), without a `.dev.vars` or a local D1,
 * and without touching the developer's own.
 */
function freshCheckout(): string {
  const dir = mkdtempSync(join(tmpdir(), "scim-edge-dev-"));
  for (const entry of readdirSync(ROOT)) {
    if ([".git", ".wrangler", ".dev.vars", "wrangler.toml"].includes(entry)) continue;
    symlinkSync(join(ROOT, entry), join(dir, entry));
  }
  copyFileSync(join(ROOT, "wrangler.toml"), join(dir, "wrangler.toml"));
  return dir;
}

describe("npm run dev", () => {
  it("prints no failure and ends its start-up with the token and the console's address, which sign in", async () => {
    checkout = freshCheckout();
    const port = await freePort();
    const inspector = await freePort();
    let output = "";
    child = spawn("node", ["scripts/dev.mjs", "--inspector-port", String(inspector), "--ip", "127.0.0.1"], {
      cwd: checkout,
      env: { ...process.env, PORT: String(port), NO_COLOR: "1" },
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout?.on("data", (chunk) => {
      output += chunk;
    });
    child.stderr?.on("data", (chunk) => {
      output += chunk;
    });
    await expect
      .poll(() => output, { timeout: 420_000, interval: 500 })
      .toContain("Requests are logged below. Stop with Ctrl+C.");

    const lines = output.split("\n");
    const tokenLine = lines.findIndex((line) => line.startsWith("Local admin token (from .dev.vars): "));
    expect(tokenLine).toBeGreaterThanOrEqual(0);
    expect(tokenLine).toBeLessThan(FIRST_SCREEN);
    // Nothing after the instructions but wrangler's request lines: the start-up ends on the instructions.
    expect(lines.slice(tokenLine).length).toBeLessThan(FIRST_SCREEN);
    // Nothing that looks like a failure, whether or not the machine reaches the internet.
    expect(output).not.toMatch(/ENOTFOUND|getaddrinfo|\[ERROR\]|Error:|^\s+at /m);

    const token = lines[tokenLine].split(": ")[1];
    const consoleUrl = /Console: open (\S+) and sign in/.exec(output)?.[1];
    expect(consoleUrl).toBe(`http://localhost:${port}/console`);
    const browser = await openBrowser();
    try {
      const page = await browser.context.newPage();
      await page.goto(consoleUrl!);
      await page.getByLabel("Admin token").fill(token);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.waitForURL("**/console/orgs");
      expect(await page.getByRole("heading", { level: 1 }).textContent()).toBe("Organizations");
    } finally {
      await browser.close();
    }
  }, 540_000);
});
