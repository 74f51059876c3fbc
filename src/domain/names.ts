import { DomainError } from "./errors";

/**
 * The longest name of an organization or a team. Entra's group displayName holds up to 256
 * characters and Okta's group name 255, so every group an identity provider pushes fits.
 */
export const MAX_NAME_LENGTH = 256;

const CONTROL_CHARACTER = /\p{Cc}/u;

/** What is wrong with text that must hold no control characters (NUL, tabs, line breaks, escapes); undefined if nothing. */
export function controlCharacterProblem(text: string): string | undefined {
  const found = CONTROL_CHARACTER.exec(text);
  if (!found) return undefined;
  const code = found[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0");
  return `must not contain control characters (U+${code} at character ${found.index + 1})`;
}

/**
 * The rule for the name of an organization or a team, wherever it comes from (the admin API, the
 * console, SCIM's displayName): what is wrong with it, or undefined when it is accepted.
 */
export function nameProblem(name: string): string | undefined {
  if (name.trim() === "") return "must not be empty";
  if (name.length > MAX_NAME_LENGTH) return `must be at most ${MAX_NAME_LENGTH} characters`;
  return controlCharacterProblem(name);
}

/** A team's name, held to the rule: `invalid_name` otherwise. */
export function requireTeamName(name: string): void {
  const problem = nameProblem(name);
  if (problem) throw new DomainError("invalid_name", `A team name ${problem}.`);
}
