/**
 * Runs a compiled Pulumi program inside the consumer project, under Pulumi's own mocks, with the
 * consumer's copy of `@pulumi/pulumi` (the one `kato-infra` must share as a peer), and writes every
 * registered resource, the program's exports and every error to a JSON file.
 *
 * Copied into the consumer directory by test/package/install.test.ts; plain CommonJS so it needs
 * nothing but what the consumer installed.
 *
 * Contract restated: `pulumi.runtime.setMocks(mocks, project, stack, preview)` and
 * `mocks.newResource({ type, name, inputs, ... }) -> { id, state }` as in @pulumi/pulumi 3.248.0
 * `sdk/nodejs/runtime/mocks.ts`; the RPC queue drained with `waitForRPCs` from
 * `sdk/nodejs/runtime/settings.ts`. The state a real provider would return is only added where the
 * library reads an output back: `random:index/randomPassword:RandomPassword.result` and
 * `docker:index/remoteImage:RemoteImage.imageId` / `.repoDigest` (output names from the
 * @pulumi/random 4.21.2 and @pulumi/docker 5.2.0 SDKs); everything else echoes its inputs, as a
 * provider without computed outputs does.
 *
 * argv: <compiled program> <output JSON file>
 */
const fs = require("node:fs");
const path = require("node:path");
const pulumi = require("@pulumi/pulumi");

const [program, outFile] = process.argv.slice(2);
const resources = [];
const errors = [];
const onError = (error) => errors.push(error?.stack ? String(error.stack) : String(error));
process.on("unhandledRejection", onError);
process.on("uncaughtException", onError);

pulumi.runtime.setMocks(
  {
    newResource(args) {
      resources.push({ type: args.type, name: args.name, inputs: args.inputs });
      const state = { ...args.inputs };
      if (args.type === "random:index/randomPassword:RandomPassword") {
        state.result = `generated-${args.name.replace(/[^A-Za-z0-9]/g, "")}`.padEnd(32, "x");
      }
      if (args.type === "docker:index/remoteImage:RemoteImage") {
        state.imageId = `sha256:${"0".repeat(64)}`;
        state.repoDigest = `${args.inputs.name}@sha256:${"a".repeat(64)}`;
      }
      return { id: `${args.name}-id`, state };
    },
    call(args) {
      return args.inputs;
    },
  },
  "kato-consumer",
  "dev",
  false,
);

let exported = [];
let finished = false;
const write = () => fs.writeFileSync(outFile, JSON.stringify({ resources, exported, errors }));
// A registration that fails (a provider that does not serialize, say) leaves Pulumi's RPC queue
// undrained: Node then runs out of work before main() ends. Record that, with the errors seen.
process.on("beforeExit", () => {
  if (finished) return;
  finished = true;
  errors.push("the program never finished: Pulumi's RPC queue did not drain");
  write();
});

async function main() {
  try {
    const mod = require(path.resolve(program));
    exported = Object.keys(mod);
    await require("@pulumi/pulumi/runtime/settings").waitForRPCs();
  } catch (error) {
    onError(error);
  }
  finished = true;
  write();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
