import { programSuite } from "./suite";

programSuite({
  stack: "pr-example",
  target: "kubernetes",
  preset: "guide",
  tenants: [["node_demo_kato", "vectors_demo"]],
  protect: false,
  retainVolumes: false,
  namespace: "kato-pr-example",
  createsNamespace: true,
  antiAffinity: "soft",
  operations: { backups: false, monitoring: false, prometheusOperator: false },
  // The guide preset: the guide's setProfilingLevel(1, {slowms: 100}), which mongod.conf starts with too.
  profiling: { level: 1, slowms: 100, startupLevel: 1 },
});
