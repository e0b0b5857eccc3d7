/**
 * Pulumi mock harness shared by every component test.
 *
 * - Records every registered resource with its inputs exactly as the engine would receive them
 *   (secrets stay wrapped in Pulumi's secret signature, so a test can tell secret from plaintext).
 * - Records every `registerResourceOutputs` (component and stack outputs), also still serialized.
 * - `random:RandomPassword` returns a unique, recognisable value per resource; `plaintextSecretLeaks`
 *   then walks every recorded input and output and reports each place a generated value appears
 *   outside a secret.
 */
import * as pulumi from "@pulumi/pulumi";

const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

export interface RecordedResource {
  type: string;
  name: string;
  inputs: Record<string, any>;
  custom: boolean;
  provider: string;
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
        harness.resources.push({
          type: args.type,
          name: args.name,
          inputs: args.inputs,
          custom: args.custom ?? true,
          provider: args.provider ?? "",
        });
        let state: Record<string, any> = { ...args.inputs };
        if (args.type === "random:index/randomPassword:RandomPassword") {
          const length = typeof args.inputs.length === "number" ? args.inputs.length : 32;
          const seed = `GEN${harness.generatedSecrets.length}x${args.name.replace(/[^A-Za-z0-9]/g, "")}`;
          const value = seed.padEnd(length, "Q").slice(0, Math.max(length, 12));
          harness.generatedSecrets.push(value);
          state = { ...state, result: value };
        }
        if (args.type.startsWith("kubernetes:") && state.metadata && state.metadata.name === undefined) {
          state = { ...state, metadata: { ...state.metadata, name: args.name } };
        }
        if (args.type === "docker:index/remoteImage:RemoteImage") {
          state = {
            ...state,
            imageId: `sha256:${"0".repeat(60)}${harness.resources.length.toString().padStart(4, "0")}`,
            repoDigest: `${args.inputs.name}@sha256:${"a".repeat(64)}`,
          };
        }
        state = { ...state, ...(options.state?.(args) ?? {}) };
        return { id: `${args.name}-id`, state };
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
