import { programSuite } from "./suite";

programSuite({
  stack: "staging",
  target: "kubernetes",
  preset: "kato-v3",
  tenants: [
    ["demo_kato", "vectors_demo_kato"],
    ["qa_team_kato", "vectors_qa_team_kato"],
  ],
  protect: false,
  retainVolumes: true,
  namespace: "kato-staging",
  createsNamespace: true,
  antiAffinity: "soft",
  operations: { backups: true, backupVolume: "20Gi", monitoring: true, prometheusOperator: false },
  // kato-v3 declares no profiling (KATO 3.0.0 sets none).
  profiling: undefined,
});
