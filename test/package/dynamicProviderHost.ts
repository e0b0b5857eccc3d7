/**
 * Starts the real Pulumi Node dynamic-provider host from a consumer project's own install, the way
 * the engine does, and talks to it over its real gRPC interface. No substitute for the host: the
 * only stand-in is the engine's side of the channel (this client).
 *
 * What it copies, from pulumi/pulumi v3.248.0:
 * - `sdk/nodejs/dist/pulumi-resource-pulumi-nodejs`: the plugin the engine starts resolves
 *   `@pulumi/pulumi/cmd/dynamic-provider` with `require.resolve` from its working directory and runs
 *   it with node, passing the engine's address.
 * - `sdk/go/common/resource/plugin/plugin.go` (`cmd.Dir = pwd`) with `provider_plugin.go` (`ctx.Pwd`):
 *   that working directory is the project directory. So the provider text's `require(...)` calls
 *   resolve from the consumer's node_modules.
 * - `sdk/nodejs/cmd/dynamic-provider/index.ts`: the host prints its port on stdout; it needs one
 *   argument (the engine address) and does not dial it; `configure` must carry `args`; `check`
 *   loads `requireFromString(news.__provider).handler()` and returns the provider's inputs and
 *   failures. It answers `acceptSecrets: false`, so the engine sends it plain values, never secret
 *   wrappers: the caller passes inputs with secrets already unwrapped.
 *
 * The gRPC client and message classes are the consumer's own (`@pulumi/pulumi/proto/*`, and
 * `@grpc/grpc-js` and `google-protobuf` as @pulumi/pulumi resolves them), so the wire format is
 * the host's.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";
import { join } from "node:path";

export interface CheckAnswer {
  inputs: Record<string, unknown>;
  failures: Array<{ property: string; reason: string }>;
}

export interface DynamicProviderHost {
  /** The engine's Configure call, with no provider configuration (as for a dynamic resource). */
  configure(): Promise<void>;
  /** The engine's Check call for a resource of this URN. */
  check(urn: string, olds: Record<string, unknown>, news: Record<string, unknown>): Promise<CheckAnswer>;
  stderr(): string;
  close(): Promise<void>;
}

export async function startDynamicProviderHost(projectDir: string): Promise<DynamicProviderHost> {
  const fromProject = createRequire(join(projectDir, "package.json"));
  const hostScript = fromProject.resolve("@pulumi/pulumi/cmd/dynamic-provider");
  const fromHost = createRequire(hostScript);
  const grpc = fromHost("@grpc/grpc-js");
  const { Struct } = fromHost("google-protobuf/google/protobuf/struct_pb");
  const services = fromProject("@pulumi/pulumi/proto/provider_grpc_pb");
  const messages = fromProject("@pulumi/pulumi/proto/provider_pb");

  const child = spawn(process.execPath, [hostScript, "127.0.0.1:1"], {
    cwd: projectDir,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (d) => {
    stderr += String(d);
  });
  const port = await new Promise<string>((resolve, reject) => {
    let out = "";
    const onData = (d: Buffer) => {
      out += String(d);
      const line = out.split("\n")[0]!.trim();
      if (out.includes("\n") && /^\d+$/.test(line)) {
        child.stdout?.off("data", onData);
        resolve(line);
      }
    };
    child.stdout?.on("data", onData);
    child.once("exit", (code) =>
      reject(new Error(`dynamic-provider host exited (${code}) before printing its port:\n${out}${stderr}`)),
    );
  });
  const client = new services.ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  const call = <T>(method: string, request: unknown): Promise<T> =>
    new Promise<T>((resolve, reject) =>
      client[method](request, (error: Error | null, response: T) =>
        error ? reject(error) : resolve(response),
      ),
    );

  return {
    async configure() {
      const request = new messages.ConfigureRequest();
      request.setArgs(Struct.fromJavaScript({}));
      await call("configure", request);
    },
    async check(urn, olds, news) {
      const request = new messages.CheckRequest();
      request.setUrn(urn);
      request.setOlds(Struct.fromJavaScript(olds));
      request.setNews(Struct.fromJavaScript(news));
      const response: any = await call("check", request);
      return {
        inputs: response.getInputs()?.toJavaScript() ?? {},
        failures: response
          .getFailuresList()
          .map((f: any) => ({ property: f.getProperty(), reason: f.getReason() })),
      };
    },
    stderr: () => stderr,
    close: async () => {
      client.close();
      await stop(child);
    },
  };
}

/** SIGTERM, a bounded wait, then SIGKILL. */
function stop(child: ChildProcess): Promise<void> {
  return new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}
