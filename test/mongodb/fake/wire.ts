/**
 * MongoDB wire protocol framing, the two opcodes a current driver sends:
 * - OP_QUERY (2004) on `admin.$cmd`, used only for the first handshake (`isMaster`/`hello`) of each
 *   connection, answered with OP_REPLY (1);
 * - OP_MSG (2013) for every other command, answered with OP_MSG.
 * https://www.mongodb.com/docs/manual/reference/mongodb-wire-protocol/
 */
import type { Socket } from "node:net";
import { BSON } from "mongodb";

export const OP_REPLY = 1;
export const OP_QUERY = 2004;
export const OP_MSG = 2013;
export const OP_COMPRESSED = 2012;

export interface IncomingCommand {
  requestId: number;
  opCode: number;
  /** The command document, with OP_MSG kind-1 document sequences folded in as arrays. */
  body: Record<string, any>;
  /** Database (`$db`, or the namespace of an OP_QUERY). */
  db: string;
  /** The body document's bytes as sent, for rules that depend on a field's BSON type (int vs double). */
  rawBody: Buffer;
}

/** Splits a byte stream into messages and decodes each. */
export function readMessages(socket: Socket, onMessage: (msg: IncomingCommand) => void): void {
  let buffer = Buffer.alloc(0);
  socket.on("data", (chunk: Buffer) => {
    buffer = Buffer.concat([buffer, chunk]);
    while (buffer.length >= 4) {
      const length = buffer.readInt32LE(0);
      if (buffer.length < length) break;
      const message = buffer.subarray(0, length);
      buffer = buffer.subarray(length);
      onMessage(decode(message));
    }
  });
}

function readCString(buf: Buffer, offset: number): [string, number] {
  const end = buf.indexOf(0, offset);
  return [buf.toString("utf8", offset, end), end + 1];
}

function decode(message: Buffer): IncomingCommand {
  const requestId = message.readInt32LE(4);
  const opCode = message.readInt32LE(12);
  if (opCode === OP_QUERY) {
    let offset = 20; // header (16) + flags (4)
    const [ns, next] = readCString(message, offset);
    offset = next + 8; // numberToSkip, numberToReturn
    const size = message.readInt32LE(offset);
    const body = BSON.deserialize(message.subarray(offset, offset + size));
    const rawBody = message.subarray(offset, offset + size);
    return { requestId, opCode, body, db: ns.split(".")[0]!, rawBody };
  }
  if (opCode === OP_MSG) {
    const flags = message.readUInt32LE(16);
    const end = flags & 1 ? message.length - 4 : message.length; // checksumPresent
    let offset = 20;
    let body: Record<string, any> = {};
    let rawBody: Buffer = Buffer.alloc(0);
    const sequences: Record<string, any[]> = {};
    while (offset < end) {
      const kind = message.readUInt8(offset);
      offset += 1;
      if (kind === 0) {
        const size = message.readInt32LE(offset);
        rawBody = message.subarray(offset, offset + size);
        body = BSON.deserialize(rawBody);
        offset += size;
      } else {
        const size = message.readInt32LE(offset);
        const sectionEnd = offset + size;
        const [identifier, next] = readCString(message, offset + 4);
        let p = next;
        const docs: any[] = [];
        while (p < sectionEnd) {
          const docSize = message.readInt32LE(p);
          docs.push(BSON.deserialize(message.subarray(p, p + docSize)));
          p += docSize;
        }
        sequences[identifier] = docs;
        offset = sectionEnd;
      }
    }
    const merged = { ...body, ...sequences };
    return { requestId, opCode, body: merged, db: String(merged.$db ?? "admin"), rawBody };
  }
  throw new Error(`fake mongod: unsupported opcode ${opCode}`);
}

let nextResponseId = 1;

function header(length: number, responseTo: number, opCode: number): Buffer {
  const h = Buffer.alloc(16);
  h.writeInt32LE(length, 0);
  h.writeInt32LE(nextResponseId++, 4);
  h.writeInt32LE(responseTo, 8);
  h.writeInt32LE(opCode, 12);
  return h;
}

/** Encodes a reply in the form the request came in. */
export function encodeReply(request: IncomingCommand, doc: Record<string, unknown>): Buffer {
  const bson = Buffer.from(BSON.serialize(doc));
  if (request.opCode === OP_QUERY) {
    const body = Buffer.alloc(20);
    body.writeInt32LE(0, 0); // responseFlags
    body.writeBigInt64LE(0n, 4); // cursorID
    body.writeInt32LE(0, 12); // startingFrom
    body.writeInt32LE(1, 16); // numberReturned
    return Buffer.concat([header(16 + 20 + bson.length, request.requestId, OP_REPLY), body, bson]);
  }
  const flags = Buffer.alloc(5); // flagBits (4) + section kind 0 (1)
  return Buffer.concat([header(16 + 5 + bson.length, request.requestId, OP_MSG), flags, bson]);
}
