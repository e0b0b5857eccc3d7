/**
 * Child-process side of `nodeProgram.ts`: runs a Pulumi entry module under plain Node with ts-node
 * (CommonJS, as `pulumi up` runs a TypeScript program; not vitest's module runner, whose module
 * objects serialize differently), with the shared mocks, and writes every registered resource
 * (dynamic providers' serialized text included) and every error to a JSON file.
 *
 * argv: <entry module> <stack> <config JSON file> <output JSON file> [export name to call]
 * env: KATO_MOCKS_PREVIEW=1 runs it under the preview-mode mocks (see mocks.ts).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { installMocks, waitForRegistrations } from "./mocks";

async function main(): Promise<void> {
  const [entry, stack, configFile, outFile, exportName] = process.argv.slice(2);
  if (!entry || !stack || !configFile || !outFile)
    throw new Error("usage: recordProgram <entry> <stack> <config> <out> [export]");
  const errors: string[] = [];
  const onError = (error: unknown) => {
    errors.push(
      error instanceof Error ? `${error.message}\n${error.stack ?? ""}`.slice(0, 4000) : String(error),
    );
  };
  process.on("unhandledRejection", onError);
  process.on("uncaughtException", onError);
  const config = JSON.parse(readFileSync(configFile, "utf8")) as Record<string, unknown>;
  const harness = installMocks({ stack, config, preview: process.env.KATO_MOCKS_PREVIEW === "1" });
  try {
    const mod = require(resolve(entry));
    if (exportName) await mod[exportName]();
    await waitForRegistrations();
  } catch (error) {
    onError(error);
  }
  await new Promise((r) => setTimeout(r, 50));
  writeFileSync(outFile, JSON.stringify({ resources: harness.resources, outputs: harness.outputs, errors }));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
