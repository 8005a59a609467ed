/**
 * How the proxy reads its sockets. By default Node reads each chunk into a fresh buffer and
 * pushes it through a Readable stream (`data` events); on the proxy's small-message path that
 * per-chunk allocation and stream bookkeeping cost about as much CPU as the system calls.
 * Node's `onread` option instead reads every chunk into one buffer owned by the socket and
 * calls back with the byte count. A chunk read that way is only valid until the socket's next
 * read, so whoever keeps it (a queue, a write the kernel did not take at once) must copy it
 * or stop the socket reading until it is done with it (see Link).
 *
 * Node takes `onread` only for sockets it connects; for sockets a server accepts it has no
 * option, so `readAccepted` switches the same mechanism on through the two fields `onread`
 * sets, when this Node has them, and otherwise falls back to `data` events.
 */
import net from 'node:net';

/** Size of each socket's own read buffer: one full loopback read. */
export const READ_BUFFER_BYTES = 64 * 1024;

export type ChunkHandler = (chunk: Buffer) => void;

/** `reused`: chunks live in the socket's own buffer; `fresh`: each chunk is a new buffer. */
export type ReadMode = 'reused' | 'fresh';

/**
 * The `onread` callback: hands `onChunk` a view of the bytes just read into the socket's
 * buffer. Pausing is the link's call (socket.pause()), so the callback never asks for it.
 */
function ownBufferCallback(onChunk: ChunkHandler): (bytes: number, into: Uint8Array) => boolean {
  return (bytes, into) => {
    onChunk(Buffer.from(into.buffer, into.byteOffset, bytes));
    return true;
  };
}

/**
 * Connects and hands every chunk to `onChunk`: with `onread` into the socket's own buffer
 * ('reused'), or as `data` events ('fresh').
 */
export function connectReading(
  options: net.TcpNetConnectOpts & { highWaterMark?: number },
  onChunk: ChunkHandler,
  mode: ReadMode = 'reused',
): net.Socket {
  if (mode === 'fresh') return net.connect(options).on('data', onChunk);
  return net.connect({
    ...options,
    onread: { buffer: Buffer.allocUnsafe(READ_BUFFER_BYTES), callback: ownBufferCallback(onChunk) },
  });
}

interface UserBufferHandle {
  useUserBuffer?(buffer: Uint8Array): void;
}

function symbolNamed(target: object, description: string): symbol | undefined {
  return Object.getOwnPropertySymbols(target).find((s) => s.description === description);
}

/** Sets the fields `onread` would have set; false when this Node lacks them. */
function readIntoOwnBuffer(socket: net.Socket, onChunk: ChunkHandler): boolean {
  const bufferKey = symbolNamed(socket, 'kBuffer');
  const callbackKey = symbolNamed(socket, 'kBufferCb');
  const handle = (socket as unknown as { _handle?: UserBufferHandle })._handle;
  const fields = socket as unknown as Record<symbol, unknown>;
  if (
    bufferKey === undefined ||
    callbackKey === undefined ||
    fields[bufferKey] !== null ||
    fields[callbackKey] !== null ||
    typeof handle?.useUserBuffer !== 'function'
  ) {
    return false;
  }
  const buffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
  fields[bufferKey] = buffer;
  fields[callbackKey] = ownBufferCallback(onChunk);
  handle.useUserBuffer(buffer);
  return true;
}

/**
 * Starts delivering an accepted socket's chunks to `onChunk`: through its own reused buffer
 * where this Node allows it and `wanted` is 'reused', else as `data` events ('fresh'). Call
 * it in the server's connection handler, before the event loop runs a read for the socket.
 */
export function readAccepted(
  socket: net.Socket,
  onChunk: ChunkHandler,
  wanted: ReadMode = 'reused',
): ReadMode {
  if (wanted === 'reused' && readIntoOwnBuffer(socket, onChunk)) return 'reused';
  socket.on('data', onChunk);
  return 'fresh';
}
