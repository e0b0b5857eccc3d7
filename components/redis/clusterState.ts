/**
 * Parsers for what a Redis node says about itself and its cluster: CLUSTER NODES, CLUSTER INFO, INFO
 * sections, CLIENT INFO and CONFIG GET replies. Pure: no Pulumi, no I/O.
 *
 * CLUSTER NODES line (7.0+):
 *   <id> <ip:port@cport[,hostname[,key=value...]]> <flags> <master-id|-> <ping-sent> <pong-recv>
 *   <config-epoch> <link-state> <slot|first-last|[slot->-id]|[slot-<-id]>...
 * The IP is empty (`:6379@16379`) on a node that has not met anyone yet.
 */
import type { SlotRange } from "./topology";

export interface ClusterNodeEntry {
  id: string;
  /** IP as the reporting node knows it; "" when unknown. */
  ip: string;
  port: number;
  /** Cluster bus port. */
  cport: number;
  /** Announced hostname (cluster-announce-hostname), when set. */
  hostname?: string;
  /** `myself`, `master`, `slave`, `fail?`, `fail`, `handshake`, `noaddr`, `nofailover`, `noflags`. */
  flags: string[];
  /** The master's id for a replica. */
  masterId?: string;
  configEpoch: number;
  linkState: "connected" | "disconnected";
  /** Slots served (migrating/importing markers are left out). */
  slots: SlotRange[];
}

export function parseClusterNodes(text: string): ClusterNodeEntry[] {
  const out: ClusterNodeEntry[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "") continue;
    const parts = line.split(" ");
    if (parts.length < 8) throw new Error(`unexpected CLUSTER NODES line: ${line}`);
    const [id, addressField, flagsField, master, , , epoch, link, ...slotFields] = parts as [
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      ...string[],
    ];
    const [endpoint, ...aux] = addressField.split(",");
    const at = endpoint!.lastIndexOf("@");
    const hostPort = at >= 0 ? endpoint!.slice(0, at) : endpoint!;
    const cportText = at >= 0 ? endpoint!.slice(at + 1) : "0";
    const colon = hostPort.lastIndexOf(":");
    const hostname = aux.find((a) => a !== "" && !a.includes("="));
    const slots: SlotRange[] = [];
    for (const s of slotFields) {
      if (s.startsWith("[")) continue;
      const dash = s.indexOf("-");
      if (dash < 0) slots.push([Number(s), Number(s)]);
      else slots.push([Number(s.slice(0, dash)), Number(s.slice(dash + 1))]);
    }
    out.push({
      id,
      ip: colon >= 0 ? hostPort.slice(0, colon) : "",
      port: Number(colon >= 0 ? hostPort.slice(colon + 1) : hostPort),
      cport: Number(cportText.split(",")[0]),
      ...(hostname ? { hostname } : {}),
      flags: flagsField.split(",").filter((f) => f !== ""),
      ...(master !== "-" ? { masterId: master } : {}),
      configEpoch: Number(epoch),
      linkState: link === "connected" ? "connected" : "disconnected",
      slots,
    });
  }
  return out;
}

/** `key:value` lines of INFO / CLUSTER INFO, section headers and blanks skipped. */
export function parseInfo(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const colon = line.indexOf(":");
    if (colon > 0) out[line.slice(0, colon)] = line.slice(colon + 1);
  }
  return out;
}

/** `key=value` fields of CLIENT INFO / one CLIENT LIST line. */
export function parseClientInfo(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const field of text.trim().split(" ")) {
    const eq = field.indexOf("=");
    if (eq > 0) out[field.slice(0, eq)] = field.slice(eq + 1);
  }
  return out;
}

/** `ip:port` (IPv6 without brackets as Redis prints it) -> parts. */
export function splitHostPort(address: string): { host: string; port: number } | undefined {
  const colon = address.lastIndexOf(":");
  if (colon <= 0) return undefined;
  const port = Number(address.slice(colon + 1));
  if (!Number.isInteger(port) || port <= 0) return undefined;
  return { host: address.slice(0, colon).replace(/^\[|\]$/g, ""), port };
}

/** CONFIG GET's flat [name, value, name, value...] reply -> a map. */
export function parseConfigReply(reply: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (Array.isArray(reply)) {
    for (let i = 0; i + 1 < reply.length; i += 2) out[String(reply[i])] = String(reply[i + 1]);
  } else if (reply && typeof reply === "object") {
    for (const [k, v] of Object.entries(reply)) out[k] = String(v);
  }
  return out;
}

export function isLoopback(ip: string): boolean {
  return ip === "::1" || ip.startsWith("127.");
}
