/**
 * The Socket.IO parser of the server: MessagePack both ways (socket.io-msgpack-parser on the
 * client), so a frame with its bit-packed lattice is one WebSocket message instead of one per
 * binary attachment.
 *
 * - Encoding: socket.io-msgpack-parser's encoder, after `toWire` has turned every typed array
 *   into a Buffer over exactly its bytes (notepack would otherwise send a view's whole
 *   underlying ArrayBuffer, as an extension a browser does not decode). Receivers get binary
 *   fields as ArrayBuffer (browser) or Buffer (Node).
 * - Decoding: our strict decoder (msgpack-decode.ts) and the packet shape check. A message that
 *   is not a valid packet (text frames included) throws, and Socket.IO closes that connection.
 */
import { EventEmitter } from 'node:events';
import * as msgpackParser from 'socket.io-msgpack-parser';
import { decodeMsgpack } from './msgpack-decode.js';

/** Replaces typed arrays and ArrayBuffers inside `value` with Buffers over the same bytes (no copy). */
export function toWire(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Buffer.isBuffer(value)) return value;
  if (ArrayBuffer.isView(value)) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  if (value instanceof ArrayBuffer) return Buffer.from(value);
  if (Array.isArray(value)) {
    return value.some((item) => item !== null && typeof item === 'object') ? value.map(toWire) : value;
  }
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) out[key] = toWire(item);
  return out;
}

/** Socket.IO packet types (socket.io-protocol v5). */
const CONNECT = 0;
const DISCONNECT = 1;
const CONNECT_ERROR = 4;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !Buffer.isBuffer(value) && !(value instanceof ArrayBuffer);
}

/** Throws unless `packet` has the shape of a Socket.IO packet a client may send. */
function checkPacket(packet: unknown): asserts packet is { type: number; nsp: string; data?: unknown; id?: number } {
  if (!isPlainObject(packet)) throw new Error('a packet must be a map');
  const { type, nsp, data, id } = packet;
  if (!Number.isInteger(type) || (type as number) < CONNECT || (type as number) > CONNECT_ERROR) throw new Error('invalid packet type');
  if (typeof nsp !== 'string') throw new Error('invalid namespace');
  const dataValid =
    type === CONNECT ? data === undefined || isPlainObject(data)
    : type === DISCONNECT ? data === undefined
    : type === CONNECT_ERROR ? typeof data === 'string' || isPlainObject(data)
    : Array.isArray(data);
  if (!dataValid) throw new Error('invalid payload');
  if (id !== undefined && !(Number.isSafeInteger(id) && (id as number) >= 0)) throw new Error('invalid packet id');
}

class WireEncoder {
  private readonly inner = new msgpackParser.Encoder();

  encode(packet: unknown): unknown[] {
    return this.inner.encode(toWire(packet)) as unknown as unknown[];
  }
}

class WireDecoder extends EventEmitter {
  add(data: unknown): void {
    let bytes: Uint8Array;
    if (data instanceof Uint8Array) bytes = data;
    else if (data instanceof ArrayBuffer) bytes = new Uint8Array(data);
    else throw new Error('only binary (MessagePack) messages are accepted');
    const packet = decodeMsgpack(bytes);
    checkPacket(packet);
    this.emit('decoded', packet);
  }

  destroy(): void {
    this.removeAllListeners();
  }
}

/** The `parser` option of the Socket.IO server. */
export const wireParser = { protocol: 5, Encoder: WireEncoder, Decoder: WireDecoder };
