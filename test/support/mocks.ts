/**
 * Pulumi mock harness shared by every component test.
 *
 * - Records every registered resource with its inputs exactly as the engine would receive them
 *   (secrets stay wrapped in Pulumi's secret signature, so a test can tell secret from plaintext).
 * - Records every `registerResourceOutputs` (component and stack outputs), also still serialized.
 * - `random:RandomPassword` returns a unique, recognisable value per resource; `plaintextSecretLeaks`
 *   then walks every recorded input and output and reports each place a generated value appears
 *   outside a secret.
 * - `preview: true` is `pulumi preview` of a new stack, as the engine answers a program at preview
 *   (sdk/go/common/resource/plugin/provider_plugin.go of pulumi v3.248.0: `Create` at preview,
 *   for a provider without provider previews such as the dynamic one, returns the inputs as the
 *   state, and no ID). The mocks return only the inputs and an empty ID, so the SDK
 *   resolves every output the provider would compute (a generated password, an image digest, a
 *   dynamic resource's outputs) and the ID as unknown (sdk/nodejs/runtime/rpc.ts v3.248.0,
 *   `resolveProperties` and `deserializeProperty` under `isDryRun()`, set by `setMocks(..., preview)`
 *   in sdk/nodejs/runtime/mocks.ts). Inputs computed from those outputs reach the recorded inputs as
 *   unknown; they are recorded as the engine sends them to a provider: the string
 *   `04da6b54-80e4-46f7-96ec-b56ff0331ba9` (`rpc.unknownValue`).
 * - Each record keeps `state`, the outputs the engine would store (inputs included, `__provider`
 *   included for a dynamic resource: the dynamic-provider host writes it back into the outputs).
 */
import * as pulumi from "@pulumi/pulumi";

const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

export interface RecordedResource {
  type: string;
  name: string;
  inputs: Record<string, any>;
  /** The outputs the mocks answered (what the checkpoint stores as the resource's outputs). */
  state?: Record<string, any>;
  /** Aliases as the SDK sent them (sdk/proto alias.proto `Alias`, as plain objects). */
  aliases?: Array<{
    urn?: string;
    spec?: { name?: string; type?: string; stack?: string; project?: string };
  }>;
  custom: boolean;
  provider: string;
}

/** What the engine sends a provider for a value not known yet (sdk/nodejs/runtime/rpc.ts `unknownValue`). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** The SDK's unknown sentinels replaced by the engine's wire form. */
export function wireUnknowns(value: unknown): any {
  if (pulumi.isUnknown(value)) return UNKNOWN;
  if (Array.isArray(value)) return value.map(wireUnknowns);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, wireUnknowns(v)]));
  }
  return value;
}

/** Whether a recorded value holds a value unknown at preview. */
export function hasUnknown(value: unknown): boolean {
  if (value === UNKNOWN || pulumi.isUnknown(value)) return true;
  if (Array.isArray(value)) return value.some(hasUnknown);
  if (value && typeof value === "object") return Object.values(value).some(hasUnknown);
  return false;
}

export interface RecordedOutputs {
  urn: string;
  outputs: Record<string, any>;
}

export interface MockHarness {
  resources: RecordedResource[];
  outputs: RecordedOutputs[];
  /** Every value the mocks generated as a credential. */
  generatedSecrets: string[];
  ofType(type: string): RecordedResource[];
  one(type: string, name?: string): RecordedResource;
}

export interface MockOptions {
  project?: string;
  stack?: string;
  preview?: boolean;
  /** Extra state for a resource, merged over its inputs (e.g. computed outputs). */
  state?: (args: pulumi.runtime.MockResourceArgs) => Record<string, any> | undefined;
  config?: Record<string, unknown>;
}

export function installMocks(options: MockOptions = {}): MockHarness {
  const harness: MockHarness = {
    resources: [],
    outputs: [],
    generatedSecrets: [],
    ofType(type) {
      return harness.resources.filter((r) => r.type === type);
    },
    one(type, name) {
      const found = harness.resources.filter(
        (r) => r.type === type && (name === undefined || r.name === name),
      );
      if (found.length !== 1) {
        throw new Error(
          `expected exactly one ${type}${name ? ` named ${name}` : ""}, found ${found.length}: ${found.map((r) => r.name).join(", ")}`,
        );
      }
      return found[0]!;
    },
  };
  const sentAliases = new Map<string, RecordedResource["aliases"]>();
  if (options.config) {
    const project = options.project ?? "kato-infra";
    const all: Record<string, string> = {};
    for (const [key, value] of Object.entries(options.config)) {
      const fullKey = key.includes(":") ? key : `${project}:${key}`;
      all[fullKey] = typeof value === "string" ? value : JSON.stringify(value);
    }
    pulumi.runtime.setAllConfig(all);
  }
  pulumi.runtime.setMocks(
    {
      newResource(args) {
        const preview = options.preview === true;
        const inputs = preview ? wireUnknowns(args.inputs) : args.inputs;
        const record: RecordedResource = {
          type: args.type,
          name: args.name,
          inputs,
          state: {},
          aliases: sentAliases.get(`${args.type}::${args.name}`) ?? [],
          custom: args.custom ?? true,
          provider: args.provider ?? "",
        };
        harness.resources.push(record);
        let state: Record<string, any> = { ...inputs };
        if (args.type === "random:index/randomPassword:RandomPassword" && !preview) {
          const length = typeof args.inputs.length === "number" ? args.inputs.length : 32;
          const seed = `GEN${harness.generatedSecrets.length}x${args.name.replace(/[^A-Za-z0-9]/g, "")}`;
          const value = seed.padEnd(length, "Q").slice(0, Math.max(length, 12));
          harness.generatedSecrets.push(value);
          state = { ...state, result: value };
        }
        // The Kubernetes provider auto-names in its check, which runs at preview too.
        if (args.type.startsWith("kubernetes:") && state.metadata && state.metadata.name === undefined) {
          state = { ...state, metadata: { ...state.metadata, name: args.name } };
        }
        if (args.type === "docker:index/remoteImage:RemoteImage" && !preview) {
          state = {
            ...state,
            imageId: `sha256:${"0".repeat(60)}${harness.resources.length.toString().padStart(4, "0")}`,
            repoDigest: `${args.inputs.name}@sha256:${"a".repeat(64)}`,
          };
        }
        if (!preview) state = { ...state, ...(options.state?.(args) ?? {}) };
        record.state = state;
        // At preview a new resource has no ID yet: "" reaches the program as unknown.
        return { id: preview ? "" : `${args.name}-id`, state };
      },
      call(args) {
        return args.inputs;
      },
    },
    options.project ?? "kato-infra",
    options.stack ?? "test",
    options.preview ?? false,
  );
  // Record component and stack outputs as the engine receives them (secrets still wrapped).
  const monitor = pulumi.runtime.getMonitor() as any;
  const original = monitor.registerResourceOutputs.bind(monitor);
  const originalRegister = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req: any, callback: any) => {
    const aliases = (req.getAliasesList?.() ?? []).map((a: any) => {
      const o = a.toObject();
      return o.urn ? { urn: o.urn } : { spec: o.spec };
    });
    sentAliases.set(`${req.getType()}::${req.getName()}`, aliases);
    return originalRegister(req, callback);
  };
  monitor.registerResourceOutputs = (req: any, callback: any) => {
    harness.outputs.push({ urn: req.getUrn(), outputs: req.getOutputs()?.toJavaScript() ?? {} });
    return original(req, callback);
  };
  return harness;
}

/** Resolves an Output's value under mocks (secrets included). */
export function resolved<T>(output: pulumi.Input<T> | pulumi.Output<T>): Promise<T> {
  return new Promise<T>((resolve) => pulumi.output(output).apply((v) => resolve(v as T)));
}

/** Whether an Output is marked secret. */
export function isSecret(output: pulumi.Output<unknown>): Promise<boolean> {
  return (output as any).isSecret as Promise<boolean>;
}

/**
 * Waits until every resource registration the program started has reached the mocks (Pulumi's own
 * RPC queue has drained), and the given outputs have resolved.
 */
export async function settle(...outputs: pulumi.Output<unknown>[]): Promise<void> {
  await Promise.all(outputs.map((o) => resolved(o)));
  await waitForRegistrations();
}

/** Pulumi's RPC queue drained: every `new Resource(...)` so far has been registered. */
export async function waitForRegistrations(): Promise<void> {
  const settings = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> };
  await settings.waitForRPCs();
}

function isSecretWrapper(value: unknown): value is { value: unknown } {
  return typeof value === "object" && value !== null && (value as any)[SIG_KEY] === SECRET_SIG;
}

/** Removes Pulumi's secret wrappers, giving the plain object a provider would receive. */
export function unwrapSecrets(value: unknown): any {
  if (isSecretWrapper(value)) return unwrapSecrets(value.value);
  if (Array.isArray(value)) return value.map(unwrapSecrets);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unwrapSecrets(v)]));
  }
  return value;
}

/**
 * Every path where a generated secret appears outside a secret wrapper, in any recorded input or
 * output. An empty list means no credential would be written to state in plaintext.
 */
export function plaintextSecretLeaks(harness: MockHarness): string[] {
  const leaks: string[] = [];
  const secrets = harness.generatedSecrets;
  const walk = (value: unknown, path: string): void => {
    if (isSecretWrapper(value)) return;
    if (typeof value === "string") {
      for (const secret of secrets) if (value.includes(secret)) leaks.push(path);
      return;
    }
    if (Array.isArray(value)) {
      value.forEach((v, i) => {
        walk(v, `${path}[${i}]`);
      });
      return;
    }
    if (value && typeof value === "object") {
      for (const [k, v] of Object.entries(value)) walk(v, `${path}.${k}`);
    }
  };
  for (const r of harness.resources) {
    if (r.type === "random:index/randomPassword:RandomPassword") continue;
    walk(r.inputs, `${r.type}::${r.name}`);
  }
  for (const o of harness.outputs) walk(o.outputs, `outputs of ${o.urn}`);
  return leaks;
}
