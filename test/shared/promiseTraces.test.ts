/**
 * withoutPromiseTraces: V8's stack-trace capture is off inside, restored outside, on by request, and
 * an error thrown inside still carries a trace.
 */
import { afterEach, describe, expect, it } from "vitest";
import { withoutPromiseTraces } from "../../components/shared/promiseTraces";

const frames = (stack: string | undefined) => (stack ?? "").split("\n").filter((l) => /^\s+at /.test(l));
const saved = process.env.PULUMI_DEBUG_PROMISE_LEAKS;

afterEach(() => {
  if (saved === undefined) delete process.env.PULUMI_DEBUG_PROMISE_LEAKS;
  else process.env.PULUMI_DEBUG_PROMISE_LEAKS = saved;
});

describe("withoutPromiseTraces", () => {
  it("captures no frame inside, restores the limit after and returns what the callback returns", () => {
    delete process.env.PULUMI_DEBUG_PROMISE_LEAKS;
    const before = Error.stackTraceLimit;
    expect(frames(new Error().stack).length).toBeGreaterThan(0);
    const inside = withoutPromiseTraces(() => ({ stack: new Error().stack, limit: Error.stackTraceLimit }));
    expect(inside.limit).toBe(0);
    expect(frames(inside.stack)).toEqual([]);
    expect(Error.stackTraceLimit).toBe(before);
    expect(frames(new Error().stack).length).toBeGreaterThan(0);
  });

  it("restores the outer limit when nested", () => {
    delete process.env.PULUMI_DEBUG_PROMISE_LEAKS;
    const before = Error.stackTraceLimit;
    withoutPromiseTraces(() => {
      withoutPromiseTraces(() => undefined);
      expect(Error.stackTraceLimit).toBe(0);
    });
    expect(Error.stackTraceLimit).toBe(before);
  });

  it("changes nothing when PULUMI_DEBUG_PROMISE_LEAKS asks for the traces", () => {
    process.env.PULUMI_DEBUG_PROMISE_LEAKS = "1";
    const stack = withoutPromiseTraces(() => new Error().stack);
    expect(frames(stack).length).toBeGreaterThan(0);
  });

  it("gives an error thrown inside a trace from the caller, keeps its message and restores the limit", () => {
    delete process.env.PULUMI_DEBUG_PROMISE_LEAKS;
    const before = Error.stackTraceLimit;
    let caught: unknown;
    function callerOfTheRegistration() {
      withoutPromiseTraces(() => {
        throw new TypeError("bad tenant");
      });
    }
    try {
      callerOfTheRegistration();
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(TypeError);
    const stack = (caught as Error).stack ?? "";
    expect(stack.split("\n")[0]).toBe("TypeError: bad tenant");
    expect(frames(stack).length).toBeGreaterThan(0);
    expect(stack).toContain("callerOfTheRegistration");
    expect(Error.stackTraceLimit).toBe(before);
  });

  it("leaves an error that already has frames as it is", () => {
    delete process.env.PULUMI_DEBUG_PROMISE_LEAKS;
    const outside = new Error("made outside");
    const original = outside.stack;
    expect(() =>
      withoutPromiseTraces(() => {
        throw outside;
      }),
    ).toThrow(outside);
    expect(outside.stack).toBe(original);
  });
});
