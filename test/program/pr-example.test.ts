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
});
