/**
 * Registering many resources without the SDK's per-promise stack traces.
 *
 * Pulumi's Node SDK (v3.248.0, sdk/nodejs/runtime/debuggable.ts `debuggablePromise`) wraps every
 * promise it makes for a resource (four per top-level input in `transferProperties`,
 * sdk/nodejs/runtime/rpc.ts, and about ten more per resource) and stores `new Error().stack` on
 * each. Reading `.stack` formats the trace at once, and the language host maps every frame through
 * source maps (sdk/nodejs/cmd/run/index.ts imports `source-map-support/register`; ts-node installs
 * its own). The SDK reads those traces only to print leaked promises when
 * `PULUMI_DEBUG_PROMISE_LEAKS` is set. At 1000 tenants they were most of the program's time and
 * most of what it allocated (docs/benchmarks.md).
 *
 * `withoutPromiseTraces` runs `register` with V8's `Error.stackTraceLimit` at 0, so the promises the
 * SDK makes while the resources are constructed carry an empty trace, and restores the limit before
 * returning: nothing outside `register` sees the change. With `PULUMI_DEBUG_PROMISE_LEAKS` set it
 * changes nothing. An error thrown inside `register` is given a trace again, taken where
 * `withoutPromiseTraces` was called, before it propagates.
 */
export function withoutPromiseTraces<T>(register: () => T): T {
  if (process.env.PULUMI_DEBUG_PROMISE_LEAKS) return register();
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return register();
  } catch (error) {
    Error.stackTraceLimit = limit;
    if (error instanceof Error && !/\n\s+at /.test(error.stack ?? "")) {
      const header = error.stack ?? `${error.name}: ${error.message}`;
      const holder: { stack?: string } = {};
      Error.captureStackTrace(holder, withoutPromiseTraces);
      error.stack = `${header}${(holder.stack ?? "").replace(/^[^\n]*/, "")}`;
    }
    throw error;
  } finally {
    Error.stackTraceLimit = limit;
  }
}
