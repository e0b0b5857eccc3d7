/**
 * Runs a dynamic provider the way the Pulumi engine does: from the serialized text recorded in the
 * resource's `__provider` input, loaded with `require-from-string` in a fresh Node process whose
 * working directory is the project (so `require("ioredis")` resolves as it does under `pulumi up`),
 * and never from the test's own module graph. Each method call is one JSON line on stdin; the
 * answer is one JSON line on stdout.
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { resolve } from "node:path";
import { createInterface } from "node:readline";
import { type MockHarness, type RecordedResource, unwrapSecrets } from "./mocks";

const CHILD = `
const requireFromString = require("require-from-string");
const readline = require("node:readline");
let provider;
const rl = readline.createInterface({ input: process.stdin });
const send = (msg) => process.stdout.write(JSON.stringify(msg) + "\\n");
rl.on("line", async (line) => {
  const msg = JSON.parse(line);
  try {
    if (msg.method === "__load") {
      provider = requireFromString(msg.args[0]).handler();
      send({ id: msg.id, ok: true, value: Object.keys(provider).filter((k) => typeof provider[k] === "function") });
      return;
    }
    const fn = provider[msg.method];
    if (typeof fn !== "function") throw new Error("provider has no method " + msg.method);
    const value = await fn.apply(provider, msg.args);
    send({ id: msg.id, ok: true, value: value === undefined ? null : value });
  } catch (error) {
    send({ id: msg.id, ok: false, error: error && error.message ? error.message : String(error) });
  }
});
`;

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
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, ["-e", CHILD], {
    cwd: options.cwd ?? resolve(__dirname, "..", ".."),
    env: { ...process.env, ...options.env },
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
