/** A fresh directory under the OS temp dir, named `kato-<prefix>-...`, for one test file's files. */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `kato-${prefix}-`));
}
