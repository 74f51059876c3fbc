// How the deploy calls wrangler. One deploy routine runs against either runner: the executor runs each
// command; the planner prints it and runs nothing, so `--plan` shows the very commands, in the very
// order, that a deploy runs.
import { spawn } from "node:child_process";

/** A wrangler command that failed where the deploy cannot go on; its output was already shown. */
export class StepFailed extends Error {}

const env = { ...process.env, WRANGLER_SEND_METRICS: "false" };
const shown = (argv) => `wrangler ${argv.join(" ")}`;

/** `wrangler` from the PATH: under `npm run deploy` that is the project's own (node_modules/.bin), on Node 22. */
function wrangler(argv, { capture, interactive = false, extraEnv = {} }) {
  return new Promise((resolve, reject) => {
    // A change runs without a terminal on stdin, so wrangler does not stop to ask (migrations apply
    // confirms by itself); only the deploy keeps it, for a question only the operator can answer
    // (a first workers.dev subdomain, a Worker edited in the dashboard).
    const child = spawn("wrangler", argv, {
      env: { ...env, ...extraEnv },
      stdio: [interactive ? "inherit" : "ignore", capture ? "pipe" : "inherit", capture ? "pipe" : "inherit"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr?.on("data", (chunk) => {
      stderr += chunk;
    });
    child.on("error", (error) =>
      reject(
        error.code === "ENOENT"
          ? new StepFailed("wrangler was not found: run the deploy as `npm run deploy`, which uses the project's own.")
          : error,
      ),
    );
    child.on("close", (status) => resolve({ status, stdout, stderr, output: `${stdout}${stderr}` }));
  });
}

/** Runs every command. A probe's output is kept for its answer; a change's output is shown as it comes. */
export function executor() {
  return {
    planning: false,
    async probe(argv, _why, answer) {
      const result = await wrangler(argv, { capture: true });
      const value = answer(result);
      if (value === undefined) {
        process.stderr.write(result.output);
        throw new StepFailed(`\`${shown(argv)}\` failed (wrangler's output above).`);
      }
      return value;
    },
    /**
     * `capture`: wrangler's output is shown only if the command fails. `alreadyDone`: a failure whose output
     * matches it means the change was there already.
     */
    async change(argv, _why, { capture = false, alreadyDone, ...options } = {}) {
      console.log(`\n→ ${shown(argv)}`);
      const result = await wrangler(argv, { capture, ...options });
      if (result.status !== 0 && alreadyDone?.test(result.output)) {
        console.log("  (there already)");
      } else if (result.status !== 0) {
        if (capture) process.stderr.write(result.output);
        throw new StepFailed(`\`${shown(argv)}\` failed (wrangler's output above).`);
      }
    },
  };
}

/** Runs nothing: prints each command with why it runs; a probe's answer is unknown (undefined). */
export function planner() {
  const lines = [];
  const note = (argv, why) => lines.push([shown(argv), why]);
  return {
    planning: true,
    async probe(argv, why) {
      note(argv, why);
      return undefined;
    },
    async change(argv, why) {
      note(argv, why);
    },
    print() {
      const width = Math.max(...lines.map(([command]) => command.length));
      for (const [command, why] of lines) console.log(`  ${command.padEnd(width)}  # ${why}`);
    },
  };
}
