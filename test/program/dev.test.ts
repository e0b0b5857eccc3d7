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
});
