/**
 * The executor scenarios of test/qdrant/scenarios.ts against a real Qdrant 1.19.
 *
 *   docker run -d -p 6333:6333 -e QDRANT__SERVICE__API_KEY=secret qdrant/qdrant:v1.19.0
 *   QDRANT_URL=http://127.0.0.1:6333 QDRANT_API_KEY=secret npm run test:live -- test/live/qdrant.test.ts
 *
 * Collections are named `kato_live_<run>_<scenario>` and dropped afterwards. Without QDRANT_URL the
 * suite is skipped: no Qdrant server can run on the machine the unit tests run on.
 */
import { randomBytes } from "node:crypto";
import { describe, it } from "vitest";
import { type ScenarioServer, scenarios } from "../qdrant/scenarios";

const url = process.env.QDRANT_URL;
const run = randomBytes(3).toString("hex");
const server: ScenarioServer | undefined = url
  ? {
      connection: { url },
      ...(process.env.QDRANT_API_KEY ? { apiKey: process.env.QDRANT_API_KEY } : {}),
      name: (base) => `kato_live_${run}_${base}`,
    }
  : undefined;

// Skipped without a server: set QDRANT_URL (and QDRANT_API_KEY when the server requires one).
describe.skipIf(!server)(
  `QdrantCollection executor against a real Qdrant (QDRANT_URL=${url ?? "unset: skipped"})`,
  () => {
    for (const [title, scenario] of Object.entries(scenarios)) {
      it(title, () => scenario(server!));
    }
  },
);

describe.runIf(!server)("Qdrant live suite", () => {
  it("is skipped: set QDRANT_URL (and QDRANT_API_KEY) to run the executor scenarios against a real Qdrant 1.19", () => {});
});
