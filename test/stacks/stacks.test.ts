import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { formatProblem } from "../../components/shared/problems";
import { loadStackConfig } from "../../program/config/load";
import { stackConfig, stackFileText, stackNames } from "./stackFiles";

describe("stack files", () => {
  it("exist for dev, staging, prod and an example pr stack", () => {
    expect(stackNames()).toEqual(["dev", "pr-example", "prod", "staging"]);
  });

  it.each(stackNames())("Pulumi.%s.yaml is valid config with no problem", (stack) => {
    const { problems } = loadStackConfig({
      stack,
      config: stackConfig(stack),
      stackFile: stackFileText(stack),
    });
    expect(problems.map(formatProblem)).toEqual([]);
  });

  it.each(stackNames())("Pulumi.%s.yaml picks a profile and overrides little", (stack) => {
    const keys = Object.keys(stackConfig(stack));
    expect(keys.every((k) => k.startsWith("kato-infra:"))).toBe(true);
    expect(keys.length).toBeLessThanOrEqual(5);
    const engineKeys = keys.filter((k) => /:(mongodb|qdrant|redis)$/.test(k));
    expect(engineKeys).toEqual([]);
  });

  it.each([
    ["dev", "dev", "docker"],
    ["staging", "staging", "kubernetes"],
    ["prod", "prod", "kubernetes"],
    ["pr-example", "pr", "kubernetes"],
  ])("%s deploys profile %s to %s", (stack, profile, target) => {
    const { config } = loadStackConfig({ stack, config: stackConfig(stack) });
    expect(config?.profile).toBe(profile);
    expect(config?.target).toBe(target);
  });

  it("the pr example gets its own namespace, as pr-<N> stacks do", () => {
    expect(
      loadStackConfig({ stack: "pr-example", config: stackConfig("pr-example") }).config?.kubernetes
        .namespace,
    ).toBe("kato-pr-example");
    expect(loadStackConfig({ stack: "pr-17", config: {} }).config?.kubernetes.namespace).toBe("kato-pr-17");
  });

  it.each(stackNames())(
    "Pulumi.%s.yaml runs no data migration and profiles MongoDB as its preset says",
    (stack) => {
      const { config } = loadStackConfig({ stack, config: stackConfig(stack) });
      expect(config?.migrations).toEqual([]);
      expect(config?.profiling.enabled).toBe(config?.schemaPreset === "guide");
    },
  );

  it("staging and prod use KATO 3.0.0's schema; dev the guide's", () => {
    expect(loadStackConfig({ stack: "dev", config: stackConfig("dev") }).config?.schemaPreset).toBe("guide");
    expect(loadStackConfig({ stack: "staging", config: stackConfig("staging") }).config?.schemaPreset).toBe(
      "kato-v3",
    );
    expect(loadStackConfig({ stack: "prod", config: stackConfig("prod") }).config?.schemaPreset).toBe(
      "kato-v3",
    );
  });

  it.each(["staging", "prod"])(
    "Pulumi.%s.yaml says in one line how to serve KATO 3.0.0 (no Qdrant API key), and that line works",
    (stack) => {
      const text = stackFileText(stack);
      const line = text.split("\n").find((l) => l.startsWith("# KATO 3.0.0 sends no Qdrant API key"));
      expect(line).toBeDefined();
      // The setting the comment names, added to the stack file as it says, is valid and keeps backups on.
      const snippet = /`(kato-infra:qdrant: \{ apiKey: false \})`/.exec(line!)?.[1];
      expect(snippet).toBeDefined();
      const changed = text.replace("config:\n", `config:\n  ${snippet}\n`);
      // Read as the CLI hands it over (stackFiles.ts): strings as they are, the rest as JSON text.
      const config = Object.fromEntries(
        Object.entries<unknown>(parse(changed).config).map(([k, v]) => [
          k,
          typeof v === "string" ? v : JSON.stringify(v),
        ]),
      );
      expect(config["kato-infra:qdrant"]).toBe(JSON.stringify({ apiKey: false }));
      const loaded = loadStackConfig({ stack, config, stackFile: changed });
      expect(loaded.problems.map(formatProblem)).toEqual([]);
      expect(loaded.config?.qdrant.apiKey).toBe(false);
      expect(loaded.config?.backups.qdrant.enabled).toBe(true);
    },
  );
});
