/**
 * Runs a dynamic provider the way Pulumi's Node dynamic-provider host runs it, in a fresh plain
 * `node` process (no ts-node, no vitest) whose working directory is the project. Each call is one
 * JSON line on stdin; the answer is one JSON line on stdout.
 *
 * The contract restated here is the host's, sdk/nodejs/cmd/dynamic-provider/index.ts of
 * @pulumi/pulumi v3.248.0 (read from the pulumi/pulumi repository at that tag):
 * - the provider is `requireFromString(props.__provider).handler()` (require-from-string, empty file
 *   name: `require` resolves from the working directory), cached by its text; check and diff load it
 *   from the new inputs (from the olds when the new `__provider` is unknown), create and update from
 *   the new inputs, read and delete from the old outputs they are given;
 * - every argument and every result goes through a protobuf `Struct` (google-protobuf's
 *   `Struct.fromJavaScript`/`toJavaScript`, the SDK's own dependency, loaded from node_modules):
 *   `undefined` and BigInt values throw ("Unexpected struct type."), as they do for real;
 * - check returns the provider's inputs (or the news) with `__provider` set again, and only
 *   `property` and `reason` of each failure;
 * - diff forwards only `changes` (true, false, or anything else: "unknown"), `replaces` and
 *   `deleteBeforeReplace`; a `detailedDiff` or `stables` never reaches the engine;
 * - create, read and update store `__provider` in the outputs (`resultIncludingProvider`), so the
 *   outputs a test passes on to read, diff or delete carry it as the engine's state does.
 * Arguments given without `__provider` get the text the process was loaded with.
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { createRequire } from "node:module";
import { resolve } from "node:path";
import { createInterface } from "node:readline";
import { type MockHarness, type RecordedResource, unwrapSecrets } from "./mocks";

const CHILD = `
// The host's own copies, resolved from @pulumi/pulumi (argv), never from the working directory.
const requireFromString = require(process.argv[1]);
const { Struct } = require(process.argv[2]);
const readline = require("node:readline");
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const cache = new Map();
let loadedText;
const getProvider = (props) => {
  const text = props.__provider;
  if (typeof text !== "string") throw new Error("no __provider in the properties");
  if (!cache.has(text)) cache.set(text, requireFromString(text).handler());
  return cache.get(text);
};
// What crosses the wire both ways: a google.protobuf.Struct.
const wire = (value) => Struct.fromJavaScript(value).toJavaScript();
const withProvider = (props) => ({ ...(props || {}), __provider: (props && props.__provider) || loadedText });
const including = (result, props) => Object.assign(result || {}, { __provider: props.__provider });
const methods = {
  async check(olds, news) {
    olds = wire(olds || {});
    news = wire(withProvider(news));
    const provider = getProvider(news.__provider === UNKNOWN ? olds : news);
    let inputs = news;
    let failures = [];
    if (provider.check) {
      const result = await provider.check(olds, news);
      if (result.inputs) inputs = result.inputs;
      if (result.failures) failures = result.failures;
    }
    inputs.__provider = news.__provider;
    return {
      inputs: wire(inputs),
      failures: failures.map((f) => ({ property: String(f.property), reason: String(f.reason) })),
    };
  },
  async diff(id, olds, news) {
    olds = wire(withProvider(olds));
    news = wire(withProvider(news));
    const provider = getProvider(news.__provider === UNKNOWN ? olds : news);
    if (!provider.diff) return { changes: "unknown", replaces: [], deleteBeforeReplace: false };
    const result = await provider.diff(String(id), olds, news);
    return {
      changes: result.changes === true ? true : result.changes === false ? false : "unknown",
      replaces: result.replaces && result.replaces.length !== 0 ? result.replaces.map(String) : [],
      deleteBeforeReplace: Boolean(result.deleteBeforeReplace),
    };
  },
  async create(inputs) {
    const props = wire(withProvider(inputs));
    const result = await getProvider(props).create(props);
    if (typeof result.id !== "string" || result.id === "") throw new Error("create returned no id (the engine refuses an empty ID)");
    return { id: result.id, outs: wire(including(result.outs, props)) };
  },
  async read(id, props) {
    props = wire(withProvider(props));
    const provider = getProvider(props);
    if (!provider.read) return { id: String(id), props };
    const result = await provider.read(String(id), props);
    const answer = { id: result.id, props: wire(including(result.props, props)) };
    if (result.inputs) answer.inputs = wire(including(result.inputs, props));
    return answer;
  },
  async update(id, olds, news) {
    olds = wire(withProvider(olds));
    news = wire(withProvider(news));
    const provider = getProvider(news);
    const result = provider.update ? (await provider.update(String(id), olds, news)) || {} : {};
    return { outs: wire(including(result.outs, news)) };
  },
  async delete(id, props) {
    props = wire(withProvider(props));
    const provider = getProvider(props);
    if (provider.delete) await provider.delete(String(id), props);
    return null;
  },
};
const rl = readline.createInterface({ input: process.stdin });
const send = (msg) => process.stdout.write(JSON.stringify(msg) + "\\n");
rl.on("line", async (line) => {
  const msg = JSON.parse(line);
  try {
    if (msg.method === "__load") {
      loadedText = msg.args[0];
      const provider = getProvider({ __provider: loadedText });
      send({ id: msg.id, ok: true, value: Object.keys(provider).filter((k) => typeof provider[k] === "function") });
      return;
    }
    const fn = methods[msg.method];
    if (typeof fn !== "function") throw new Error("the host has no method " + msg.method);
    const value = await fn.apply(null, msg.args);
    send({ id: msg.id, ok: true, value: value === undefined ? null : value });
  } catch (error) {
    send({ id: msg.id, ok: false, error: error && error.message ? error.message : String(error) });
  }
});
`;

/** require-from-string and google-protobuf's Struct as @pulumi/pulumi (the host) resolves them. */
const sdkRequire = createRequire(require.resolve("@pulumi/pulumi/package.json"));
const HOST_MODULES = [
  sdkRequire.resolve("require-from-string"),
  sdkRequire.resolve("google-protobuf/google/protobuf/struct_pb"),
];

export interface FreshProvider {
  /** Names of the provider's methods, as loaded in the child. */
  methods: string[];
  call<T = any>(method: string, ...args: unknown[]): Promise<T>;
  close(): Promise<void>;
  /** Everything the child wrote to stderr (provider logs). */
  stderr(): string;
}

export async function loadProviderInFreshProcess(
  providerText: string,
  options: { env?: Record<string, string>; cwd?: string } = {},
): Promise<FreshProvider> {
  // Plain node, as the host runs: nothing the test runner or ts-node put in the environment.
  const env: Record<string, string | undefined> = { ...process.env };
  for (const key of Object.keys(env))
    if (key === "NODE_OPTIONS" || key.startsWith("TS_NODE_")) delete env[key];
  Object.assign(env, options.env);
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, ["-e", CHILD, ...HOST_MODULES], {
    cwd: options.cwd ?? resolve(__dirname, "..", ".."),
    env,
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (d) => {
    stderr += String(d);
  });
  const pending = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  createInterface({ input: child.stdout }).on("line", (line) => {
    let msg: any;
    try {
      msg = JSON.parse(line);
    } catch {
      return;
    }
    const waiter = pending.get(msg.id);
    if (!waiter) return;
    pending.delete(msg.id);
    if (msg.ok) waiter.resolve(msg.value);
    else waiter.reject(new Error(msg.error));
  });
  child.on("exit", (code) => {
    for (const waiter of pending.values())
      waiter.reject(new Error(`provider process exited (${code}): ${stderr}`));
    pending.clear();
  });
  const call = <T>(method: string, ...args: unknown[]): Promise<T> =>
    new Promise<T>((resolvePromise, reject) => {
      const id = nextId++;
      pending.set(id, { resolve: resolvePromise, reject });
      child.stdin.write(`${JSON.stringify({ id, method, args })}\n`);
    });
  const methods = await call<string[]>("__load", providerText);
  return {
    methods,
    call,
    stderr: () => stderr,
    close: () =>
      new Promise<void>((resolveClose) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolveClose();
        const timer = setTimeout(() => child.kill("SIGKILL"), 2000);
        child.once("exit", () => {
          clearTimeout(timer);
          resolveClose();
        });
        child.stdin.end();
        child.kill("SIGTERM");
      }),
  };
}

/** The serialized provider text and the plain inputs (secrets unwrapped, as the engine sends them) of a recorded dynamic resource. */
export function recordedDynamicResource(
  harness: MockHarness,
  name: string,
): { providerText: string; inputs: Record<string, any>; resource: RecordedResource } {
  const resource = harness.resources.find((r) => r.name === name && typeof r.inputs.__provider === "string");
  if (!resource) {
    const names = harness.resources.filter((r) => typeof r.inputs.__provider === "string").map((r) => r.name);
    throw new Error(`no dynamic resource named ${name}; dynamic resources: ${names.join(", ")}`);
  }
  const { __provider, ...rest } = unwrapSecrets(resource.inputs);
  return { providerText: __provider as string, inputs: rest, resource };
}
