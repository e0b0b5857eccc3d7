import { programSuite } from "./suite";

programSuite({
  stack: "prod",
  target: "kubernetes",
  preset: "kato-v3",
  tenants: [
    ["customer_a_kato", "vectors_customer_a_kato"],
    ["customer_b_kato", "vectors_customer_b_kato"],
  ],
  protect: true,
  retainVolumes: true,
  namespace: "kato",
  createsNamespace: false,
  antiAffinity: "required",
  operations: { backups: true, backupVolume: "100Gi", monitoring: true, prometheusOperator: true },
  // kato-v3 declares no profiling (KATO 3.0.0 sets none).
  profiling: undefined,
});
