/**
 * The MongoDB executor contracts against a real server: the same test bodies as
 * test/mongodb/executors.fake.test.ts (round-trip counts are only asserted against the fake).
 *
 * Set MONGODB_URL to a replica set member the root user can administer, e.g. (any Docker host):
 *
 *   openssl rand -base64 756 > /tmp/kato-keyfile && chmod 400 /tmp/kato-keyfile && sudo chown 999:999 /tmp/kato-keyfile
 *   docker run -d --name kato-live-mongo -p 127.0.0.1:27017:27017 \
 *     -e MONGO_INITDB_ROOT_USERNAME=root -e MONGO_INITDB_ROOT_PASSWORD=live-pw \
 *     -v /tmp/kato-keyfile:/keyfile:ro mongo:8.0.15 --replSet rs0 --keyFile /keyfile --bind_ip_all
 *   MONGODB_URL='mongodb://root:live-pw@127.0.0.1:27017/?directConnection=true' npm run test:live
 *
 * A fresh server is initiated as a one-member set advertised as the URL's host:port; an initiated
 * one is used as it is (its config's hosts must then be reachable from here as advertised).
 * Schema tests create databases named kato_live_<time>_<n> and drop them afterwards. Profiling
 * tests set levels on those databases on every member and put the server defaults back (level 0,
 * slowms 100, sampleRate 1: a server whose mongod.conf sets others will see those tests fail).
 * Migration tests use databases kato_live_<time>_<n>_<x>_kato and records with ids
 * kato_live_<time>_<n>-..., all removed afterwards.
 */
import { MongoClient } from "mongodb";
import { afterAll, describe, it } from "vitest";
import { MIGRATION_RECORD } from "../../components/mongodb/migrationPlan";
import type { ReachableMember } from "../../components/shared/access";
import { bootstrapContract } from "../mongodb/contracts/bootstrapContract";
import { migrationContract } from "../mongodb/contracts/migrationContract";
import { profilingContract } from "../mongodb/contracts/profilingContract";
import { schemaContract } from "../mongodb/contracts/schemaContract";

const url = process.env.MONGODB_URL;

if (!url) {
  describe("MongoDB live suite", () => {
    it.skip("skipped: set MONGODB_URL to a MongoDB replica set member (see the header of test/live/mongodb.test.ts)", () => {});
  });
} else {
  const parsed = new URL(url);
  const credentials = {
    username: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password),
  };
  const host = parsed.hostname;
  const port = Number(parsed.port || 27017);
  const created: string[] = [];
  const stamp = `kato_live_${Date.now()}`;
  let n = 0;

  /** Members as advertised in the set's config (or this host:port for a fresh server), reached as named. */
  async function members(): Promise<{ replicaSetName: string; members: ReachableMember[] }> {
    const client = new MongoClient(url!, { serverSelectionTimeoutMS: 10_000, directConnection: true });
    try {
      const hello = await client.db("admin").command({ hello: 1 });
      if (typeof hello.setName === "string" && Array.isArray(hello.hosts)) {
        return {
          replicaSetName: hello.setName,
          // The member the URL names is reached as the URL says; the others as they advertise themselves.
          members: (hello.hosts as string[]).map((h) => {
            const [name, p] = h.split(":");
            return h === hello.me
              ? { advertised: h, host, port }
              : { advertised: h, host: name!, port: Number(p ?? 27017) };
          }),
        };
      }
      return {
        replicaSetName: process.env.MONGODB_REPLICA_SET ?? "rs0",
        members: [{ advertised: `${host}:${port}`, host, port }],
      };
    } finally {
      await client.close();
    }
  }

  afterAll(async () => {
    const client = new MongoClient(url, { serverSelectionTimeoutMS: 10_000, directConnection: true });
    try {
      const listed = await client.db("admin").command({
        listDatabases: 1,
        nameOnly: true,
        filter: { name: { $regex: `^${stamp}_` } },
      });
      const names = new Set([...created, ...listed.databases.map((d: { name: string }) => d.name)]);
      for (const db of names) await client.db(db).dropDatabase();
      await client
        .db(MIGRATION_RECORD.database)
        .collection(MIGRATION_RECORD.collection)
        .deleteMany({ _id: { $regex: `^${stamp}_` } as any });
    } finally {
      await client.close();
    }
  });

  bootstrapContract(async () => {
    const found = await members();
    return { replicaSetName: found.replicaSetName, members: () => found.members, root: credentials };
  });

  schemaContract(async () => {
    const found = await members();
    return {
      members: () => found.members,
      credentials,
      database: () => {
        const name = `kato_live_${Date.now()}_${n++}`;
        created.push(name);
        return name;
      },
    };
  });

  profilingContract(async () => {
    const found = await members();
    return {
      members: () => found.members,
      credentials,
      database: () => {
        const name = `${stamp}_${n++}`;
        created.push(name);
        return name;
      },
    };
  });

  migrationContract(async () => {
    const found = await members();
    return { members: () => found.members, credentials, prefix: () => `${stamp}_${n++}` };
  });
}
