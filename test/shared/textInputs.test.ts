/**
 * textInput / textIfKnown under Pulumi's mocks: the text a resource registers, when it waits for
 * Outputs, how it shares one Output between tenants, and what a preview sends.
 */
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { textIfKnown, textInput } from "../../components/shared/textInputs";
import { installMocks, isSecret, resolved } from "../support/mocks";

installMocks();

describe("textIfKnown", () => {
  it("gives JSON text with sorted keys for a value known now, and the object itself otherwise", () => {
    expect(textIfKnown({ b: 1, a: { d: [2, 1], c: true }, u: undefined })).toBe(
      '{"a":{"c":true,"d":[2,1]},"b":1}',
    );
    const later = { a: 1, b: pulumi.output(2) };
    expect(textIfKnown(later)).toBe(later);
    const promised = { a: [Promise.resolve(1)] };
    expect(textIfKnown(promised)).toBe(promised);
  });
});

describe("textInput", () => {
  it("waits for the Outputs inside and gives their JSON text", async () => {
    const text = textInput({
      username: "root",
      access: pulumi.output({ members: [{ port: 1, host: "m" }] }),
    });
    expect(await resolved(text)).toBe('{"access":{"members":[{"host":"m","port":1}]},"username":"root"}');
    expect(await resolved(textInput(pulumi.output({ url: "u" })))).toBe('{"url":"u"}');
    expect(textInput({ url: "u" })).toBe('{"url":"u"}');
  });

  it("gives one Output for the same members, and another when a member differs", () => {
    const access = pulumi.output({ members: [] as unknown[] });
    const a = textInput({ access, username: "root" });
    expect(textInput({ username: "root", access })).toBe(a);
    expect(textInput({ access, username: "app" })).not.toBe(a);
    expect(textInput({ access, username: "root", timeoutSeconds: 5 })).not.toBe(a);
    expect(textInput({ access: pulumi.output({ members: [] as unknown[] }), username: "root" })).not.toBe(a);
    const whole = pulumi.output({ access: {} });
    expect(textInput(whole)).toBe(textInput(whole));
  });

  it("makes a new text when a member is an object, which could change between two calls", async () => {
    const access = pulumi.output({ members: [] as unknown[] });
    const options = { retries: 1 };
    const first = textInput({ access, options });
    options.retries = 2;
    const second = textInput({ access, options });
    expect(second).not.toBe(first);
    expect(await resolved(second)).toBe('{"access":{"members":[]},"options":{"retries":2}}');
  });

  it("stays secret when a member is secret", async () => {
    const text = textInput({ token: pulumi.secret("t") }) as pulumi.Output<string>;
    expect(await isSecret(text)).toBe(true);
    expect(await resolved(text)).toBe('{"token":"t"}');
  });

  it("is unknown at preview while a member is unknown", async () => {
    const unknown = pulumi.output(pulumi.unknown) as pulumi.Output<unknown>;
    const text = textInput({ access: unknown, username: "root" }) as pulumi.Output<string>;
    expect(await (text as any).isKnown).toBe(false);
  });
});
