/**
 * Server side of SCRAM-SHA-256 (RFC 5802 / RFC 7677) as mongod runs it through saslStart and
 * saslContinue (https://www.mongodb.com/docs/manual/core/security-scram/), so the real driver
 * authenticates against the fake exactly as against a server. Passwords here are ASCII, for which
 * SASLprep is the identity.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes } from "node:crypto";

export interface ScramCredential {
  salt: Buffer;
  iterations: number;
  storedKey: Buffer;
  serverKey: Buffer;
}

/** mongod's default iteration count for SCRAM-SHA-256 (scramSHA256IterationCount). */
const ITERATIONS = 15000;

const hmac = (key: Buffer, text: string) => createHmac("sha256", key).update(text).digest();

export function scramCredential(password: string): ScramCredential {
  const salt = randomBytes(28);
  const salted = pbkdf2Sync(password, salt, ITERATIONS, 32, "sha256");
  const clientKey = hmac(salted, "Client Key");
  return {
    salt,
    iterations: ITERATIONS,
    storedKey: createHash("sha256").update(clientKey).digest(),
    serverKey: hmac(salted, "Server Key"),
  };
}

function attributes(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of text.split(",")) {
    const eq = part.indexOf("=");
    if (eq > 0) out[part.slice(0, eq)] = part.slice(eq + 1);
  }
  return out;
}

export interface ScramConversation {
  user: string;
  clientFirstBare: string;
  serverFirst: string;
  nonce: string;
  done: boolean;
  verified: boolean;
}

/** saslStart: parses the client-first message and answers with the server-first message. */
export function scramStart(
  payload: string,
  lookup: (user: string) => ScramCredential | undefined,
): { conversation: ScramConversation; reply: string } | { error: string } {
  if (!payload.startsWith("n,")) return { error: "channel binding is not supported" };
  const clientFirstBare = payload.slice(payload.indexOf(",", 2) + 1);
  const attrs = attributes(clientFirstBare);
  const user = (attrs.n ?? "").replace(/=2C/g, ",").replace(/=3D/g, "=");
  const credential = lookup(user);
  // An unknown user gets a made-up salt so the failure shows only at the proof, as on a server.
  const salt = credential?.salt ?? randomBytes(28);
  const iterations = credential?.iterations ?? ITERATIONS;
  const nonce = `${attrs.r ?? ""}${randomBytes(24).toString("base64")}`;
  const serverFirst = `r=${nonce},s=${salt.toString("base64")},i=${iterations}`;
  return {
    conversation: { user, clientFirstBare, serverFirst, nonce, done: false, verified: false },
    reply: serverFirst,
  };
}

/** saslContinue: checks the client's proof and answers with the server signature. */
export function scramContinue(
  conversation: ScramConversation,
  payload: string,
  lookup: (user: string) => ScramCredential | undefined,
): { reply: string } | { error: string } {
  const attrs = attributes(payload);
  if (attrs.r !== conversation.nonce) return { error: "nonce mismatch" };
  const credential = lookup(conversation.user);
  if (!credential) return { error: "unknown user" };
  const withoutProof = payload.slice(0, payload.lastIndexOf(",p="));
  const authMessage = `${conversation.clientFirstBare},${conversation.serverFirst},${withoutProof}`;
  const proof = Buffer.from(attrs.p ?? "", "base64");
  const signature = hmac(credential.storedKey, authMessage);
  if (proof.length !== signature.length) return { error: "bad proof" };
  const clientKey = Buffer.from(proof.map((b, i) => b ^ signature[i]!));
  if (!createHash("sha256").update(clientKey).digest().equals(credential.storedKey)) {
    return { error: "bad proof" };
  }
  conversation.verified = true;
  return { reply: `v=${hmac(credential.serverKey, authMessage).toString("base64")}` };
}
