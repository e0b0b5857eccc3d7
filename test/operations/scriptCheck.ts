/**
 * Static checks of rendered shell scripts: `bash -n`/`sh -n` always, ShellCheck when installed
 * (`apt-get install -y shellcheck`; .ci/run installs it).
 */
import { spawnSync } from "node:child_process";

export function hasShellcheck(): boolean {
  return spawnSync("shellcheck", ["--version"], { stdio: "ignore" }).status === 0;
}

/** Syntax errors of a script, or "" when it parses. */
export function syntaxErrors(script: string, shell: "bash" | "sh" = "bash"): string {
  const r = spawnSync(shell, ["-n"], { input: script, encoding: "utf8" });
  return r.status === 0 ? "" : r.stderr || `exit ${r.status}`;
}

/** ShellCheck findings (warning and above), or "" when clean or ShellCheck is not installed. */
export function shellcheckFindings(script: string, shell: "bash" | "sh" = "bash"): string {
  if (!hasShellcheck()) return "";
  const r = spawnSync("shellcheck", ["--severity=warning", `--shell=${shell}`, "-"], {
    input: script,
    encoding: "utf8",
  });
  return r.status === 0 ? "" : r.stdout || r.stderr;
}
