/**
 * Small helpers for the shell scripts the operations components render. Pure: no Pulumi, no I/O.
 * Every script is POSIX `sh` unless it says otherwise, starts with `set -eu`, and never contains a
 * credential: credentials reach scripts through environment variables (Kubernetes Secrets, or a
 * root-only env file on a Docker host) and are only ever referenced as `"$VAR"`.
 */

/** Quotes a word for POSIX sh: safe for any string, including quotes and newlines. */
export function shQuote(word: string): string {
  if (/^[A-Za-z0-9_./:@%+=,-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'"'"'`)}'`;
}

/** Joins a command's words, quoting each one. */
export function shCommand(words: readonly string[]): string {
  return words.map(shQuote).join(" ");
}

/** A script from lines: shebang, strict mode, then the body; always ends with a newline. */
export function script(shell: "sh" | "bash", lines: readonly string[]): string {
  const header = shell === "bash" ? ["#!/usr/bin/env bash", "set -euo pipefail"] : ["#!/bin/sh", "set -eu"];
  return `${[...header, ...lines].join("\n")}\n`;
}

/**
 * The start of a Docker host script (bash): what it is, its variables (`NAME=value`, values already
 * quoted), and the root-only env file, sourced, which must define `envVar`.
 */
export function hostScriptHeader(opts: {
  title: string;
  envFile: string;
  vars: Record<string, string>;
  envVar: string;
}): string[] {
  return [
    "#!/usr/bin/env bash",
    "set -euo pipefail",
    `# ${opts.title}, rendered by kato-infra. Re-render instead of editing.`,
    `ENV_FILE="\${KATO_ENV_FILE:-${opts.envFile}}"`,
    ...Object.entries(opts.vars).map(([name, value]) => `${name}=${value}`),
    `if [ ! -r "$ENV_FILE" ]; then echo "cannot read $ENV_FILE (it defines ${opts.envVar}; mode 0600, owner root)" >&2; exit 2; fi`,
    "set -a",
    "# shellcheck disable=SC1090",
    '. "$ENV_FILE"',
    "set +a",
    `: "\${${opts.envVar}:?${opts.envVar} is not set in $ENV_FILE}"`,
  ];
}

/** The variables of a host script that runs a tools container on the engine's Docker network. */
export function dockerRunVars(hostDirectory: string, image: string, network: string): Record<string, string> {
  return { BACKUP_DIR: shQuote(hostDirectory), IMAGE: shQuote(image), NETWORK: shQuote(network) };
}

/** A host script's `docker run ... -s` with the container's script on stdin (a quoted here-document). */
export function containerScriptHeredoc(dockerRun: string, containerScript: string): string[] {
  return [`${dockerRun} <<'KATO_CONTAINER_SCRIPT'`, containerScript.trimEnd(), "KATO_CONTAINER_SCRIPT"];
}

/** Environment variable names the scripts read; a name must be a valid shell identifier. */
export function isEnvName(name: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name);
}

/** A root-only env file the host scripts source: `NAME='value'` lines; undefined values are left out. */
export function envFileContent(vars: Record<string, string | undefined>): string {
  return Object.entries(vars)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([name, value]) => `${name}=${shQuote(value)}\n`)
    .join("");
}

/** A file-name-safe slug of a member or component name (`kato-mongo-0.svc:27017` -> `kato-mongo-0.svc-27017`). */
export function fileSlug(name: string): string {
  return (
    name
      .replace(/[^A-Za-z0-9._-]/g, "-")
      .replace(/^[.-]+/, "")
      .slice(0, 100) || "member"
  );
}
