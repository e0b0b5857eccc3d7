/**
 * Runs test/redis/kato/sessions.py (KATO 3.0.0's session operations through redis-py) and parses its
 * one JSON line. A bounded run: the process is killed after `timeoutMs`.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";

const SCRIPT = join(__dirname, "sessions.py");

export function runKato(python: string, args: string[], timeoutMs = 60_000): Promise<any> {
  return new Promise((resolve, reject) => {
    execFile(
      python,
      [SCRIPT, ...args],
      { timeout: timeoutMs, killSignal: "SIGKILL" },
      (error, stdout, stderr) => {
        if (error) {
          reject(new Error(`sessions.py ${args[0]} failed: ${error.message}\n${stderr}`));
          return;
        }
        try {
          resolve(JSON.parse(stdout.trim().split("\n").pop() ?? ""));
        } catch {
          reject(new Error(`sessions.py ${args[0]} printed no JSON: ${stdout}\n${stderr}`));
        }
      },
    );
  });
}

/** A steady writer (one new session every ~10 ms) that stops when `stopFile` exists. */
export function startKatoWriter(
  python: string,
  url: string,
  prefix: string,
  stopFile: string,
  timeoutMs = 120_000,
): Promise<any> {
  return runKato(python, ["writer", url, prefix, stopFile], timeoutMs);
}
