import { describe, expect, it } from "vitest";
import { schemaProvider } from "../../components/mongodb/schemaProvider";
import { accessProblem } from "../../components/shared/access";

describe("accessProblem (the MongoDB providers' check of their access input)", () => {
  const reason = "access must list the replica set's members (MongoReplicaSet.access).";

  it("refuses access without members, passes members, and waits for an unknown value", () => {
    expect(accessProblem(undefined, false)).toBe(reason);
    expect(accessProblem({ members: [] }, false)).toBe(reason);
    const member = { advertised: "m:1", reach: { kind: "direct", host: "m", port: 1 } };
    expect(accessProblem({ members: [member] }, false)).toBeUndefined();
    expect(accessProblem(undefined, true)).toBeUndefined();
  });

  it("is what the schema provider's check reports, under the input that holds access", async () => {
    const inputs = {
      database: "a_kato",
      spec: { collections: {} },
      connection: { username: "root" },
      password: "p",
    };
    const checked = await schemaProvider.check!({}, inputs);
    expect(checked.failures).toEqual([{ property: "connection", reason }]);
  });
});
