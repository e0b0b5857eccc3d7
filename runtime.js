/**
 * `kato-infra/runtime` (package.json `exports`): what every dynamic resource's `__provider` shim
 * (components/runtimeShim.ts) requires, from the project directory the Pulumi dynamic-provider host
 * runs in. Plain JavaScript, so the host's plain `node` loads it without ts-node.
 *
 * - In a clone (components/runtime.ts is next to this file): that TypeScript, compiled by the
 *   project's ts-node in transpile-only mode (registered unless the process already has it), the
 *   code `pulumi up` runs the program from. A dist/ left over from an earlier build is not used.
 * - In an installed package (no TypeScript sources): the build, dist/components/runtime.js.
 *
 * Keep this file's path, the `exports` entry and the `providers` it exports: state written by
 * every release calls them (README, "State and upgrades").
 */
const { existsSync } = require("node:fs");
const { join } = require("node:path");

const source = join(__dirname, "components", "runtime.ts");
if (existsSync(source)) {
  if (!process[Symbol.for("ts-node.register.instance")]) {
    require("ts-node").register({ transpileOnly: true, cwd: __dirname });
  }
  module.exports = require(source);
} else {
  module.exports = require("./dist/components/runtime.js");
}
