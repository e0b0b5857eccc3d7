import { programSuite } from "./suite";

programSuite({
  stack: "dev",
  target: "docker",
  preset: "guide",
  tenants: [["node_demo_kato", "vectors_demo"]],
  protect: false,
  retainVolumes: true,
  network: "kato-dev",
  operations: { backups: false, monitoring: false, prometheusOperator: false },
  // The guide preset: the guide's setProfilingLevel(1, {slowms: 100}), which mongod.conf starts with too.
  profiling: { level: 1, slowms: 100, startupLevel: 1 },
});
