/**
 * The in-line TCP proxy for one resource. Every accepted connection gets an upstream socket
 * and two links, one per direction, each carrying the toxics active for that direction:
 *
 *   client ──▶ listen ──[upstream link: toxics]──▶ upstream (or its failover)
 *   client ◀────────────[downstream link: toxics]◀─ upstream
 *
 * Toxics are added and removed on live connections; new connections start with the toxics
 * active at the time. Connection-level faults (reset, refuse) are decided on accept.
 */
import net from 'node:net';
import { Link } from './link';
import { connectReading, readAccepted, type ReadMode } from './socket-reader';
import type { Toxic } from './toxics';

export type Direction = 'upstream' | 'downstream';
export type DirectionChoice = Direction | 'both';

export interface ProxyCounters {
  bytes(direction: Direction, count: number): void;
  connection(event: 'accepted' | 'closed' | 'reset'): void;
}

const noCounters: ProxyCounters = { bytes: () => {}, connection: () => {} };

/**
 * Per-socket write buffer before write() asks the source to pause. Node's 16 KiB default is
 * below one 64 KiB read, so every full read paused and resumed the source (two epoll
 * changes); a few reads' worth keeps the stream flowing while still bounding memory.
 */
const SOCKET_HIGH_WATER_BYTES = 256 * 1024;

/** Byte counts reach the metrics at most this often instead of once per chunk. */
const BYTES_FLUSH_MS = 100;

export interface TcpProxyOptions {
  name: string;
  listen: { host: string; port: number };
  upstream: { host: string; port: number };
  counters?: ProxyCounters;
  /** 'reused' (default): each socket reads into its own buffer; 'fresh': a new buffer per chunk. */
  readMode?: ReadMode;
  /**
   * At most this many live connections read into buffers of their own (2 × 64 KiB each);
   * connections beyond it read fresh buffers, so memory stays bounded. @default 1024
   */
  maxReusedBufferConnections?: number;
  /** Live client connections accepted at once; more are closed on arrival. @default 4096 */
  maxConnections?: number;
}

export const DEFAULT_MAX_PROXY_CONNECTIONS = 4096;

interface ProxiedConnection {
  client: net.Socket;
  server: net.Socket;
  links: Record<Direction, Link>;
}

export function parseHostPort(address: string): { host: string; port: number } {
  const colon = address.lastIndexOf(':');
  return { host: address.slice(0, colon).replace(/^\[|\]$/g, ''), port: Number(address.slice(colon + 1)) };
}

/**
 * Sends an RST where the socket still allows it. After our own FIN (end()) or while still
 * connecting, Node's resetAndDestroy fails with EINVAL and leaves the handle open for good,
 * so those sockets are simply destroyed.
 */
function resetSocket(socket: net.Socket): void {
  if (socket.destroyed) return;
  socket.on('error', () => {});
  if (socket.writableEnded || socket.connecting) socket.destroy();
  else socket.resetAndDestroy();
}

export function directionsOf(choice: DirectionChoice): Direction[] {
  return choice === 'both' ? ['upstream', 'downstream'] : [choice];
}

export class TcpProxy {
  private readonly server: net.Server;
  private readonly connections = new Set<ProxiedConnection>();
  private readonly toxics: Record<Direction, Map<string, Toxic>> = {
    upstream: new Map(),
    downstream: new Map(),
  };
  /** Share of new connections reset on accept, per fault id. */
  private readonly resetShares = new Map<string, number>();
  private upstream: { host: string; port: number };
  private readonly counters: ProxyCounters;
  private readonly readMode: ReadMode;
  private readonly maxReusedBufferConnections: number;
  /** Live connections whose sockets read into their own buffers. */
  private reusedBufferConnections = 0;
  /** Forwarded bytes not yet handed to the counters (see BYTES_FLUSH_MS). */
  private readonly unflushedBytes: Record<Direction, number> = { upstream: 0, downstream: 0 };
  private flushTimer: NodeJS.Timeout | undefined;
  /** How the last accepted client socket is read ('reused' unless this Node lacks the means). */
  lastClientReadMode: ReadMode | undefined;

  private constructor(
    readonly name: string,
    options: TcpProxyOptions,
    private readonly random: () => number,
  ) {
    this.upstream = options.upstream;
    this.counters = options.counters ?? noCounters;
    this.readMode = options.readMode ?? 'reused';
    this.maxReusedBufferConnections = options.maxReusedBufferConnections ?? 1024;
    this.server = net.createServer(
      { allowHalfOpen: true, noDelay: true, highWaterMark: SOCKET_HIGH_WATER_BYTES },
      (client) => this.accept(client),
    );
    // Beyond the cap new clients are closed at once: idle connections cannot exhaust the agent.
    this.server.maxConnections = options.maxConnections ?? DEFAULT_MAX_PROXY_CONNECTIONS;
  }

  /** Live client connections accepted at once. */
  get maxConnections(): number {
    return this.server.maxConnections;
  }

  private countBytes(direction: Direction, count: number): void {
    this.unflushedBytes[direction] += count;
    if (this.flushTimer === undefined) {
      this.flushTimer = setTimeout(() => this.flushBytes(), BYTES_FLUSH_MS);
      this.flushTimer.unref();
    }
  }

  /** Hands the byte counts gathered since the last flush to the counters. */
  flushBytes(): void {
    if (this.flushTimer !== undefined) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    for (const direction of ['upstream', 'downstream'] as const) {
      const count = this.unflushedBytes[direction];
      if (count === 0) continue;
      this.unflushedBytes[direction] = 0;
      this.counters.bytes(direction, count);
    }
  }

  static async start(options: TcpProxyOptions, random: () => number = Math.random): Promise<TcpProxy> {
    const proxy = new TcpProxy(options.name, options, random);
    await new Promise<void>((resolve, reject) => {
      proxy.server.once('error', reject);
      proxy.server.listen(options.listen.port, options.listen.host, () => {
        proxy.server.off('error', reject);
        resolve();
      });
    });
    return proxy;
  }

  get address(): { host: string; port: number } {
    const info = this.server.address() as net.AddressInfo;
    return { host: info.address, port: info.port };
  }

  get upstreamAddress(): string {
    return `${this.upstream.host}:${this.upstream.port}`;
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  /** New connections go to `address`; live ones are reset so their clients reconnect there. */
  switchUpstream(address: { host: string; port: number }): void {
    if (address.host === this.upstream.host && address.port === this.upstream.port) return;
    this.upstream = address;
    for (const connection of [...this.connections]) this.reset(connection);
  }

  addToxic(id: string, directions: Direction[], toxic: Toxic): void {
    for (const direction of directions) {
      this.toxics[direction].set(id, toxic);
      for (const connection of this.connections) connection.links[direction].addToxic(id, toxic);
    }
  }

  removeToxic(id: string): void {
    for (const direction of ['upstream', 'downstream'] as const) {
      this.toxics[direction].delete(id);
      for (const connection of this.connections) connection.links[direction].removeToxic(id);
    }
  }

  /** Tell live links that a toxic's parameters changed. */
  toxicChanged(): void {
    for (const connection of this.connections) {
      connection.links.upstream.toxicsChanged();
      connection.links.downstream.toxicsChanged();
    }
  }

  /** Toxics and reset rules in force, across both directions (0 when the proxy is clean). */
  get activeToxicCount(): number {
    return new Set([
      ...this.toxics.upstream.keys(),
      ...this.toxics.downstream.keys(),
      ...this.resetShares.keys(),
    ]).size;
  }

  /** The ids of the toxics and reset rules in force. */
  toxicIds(): string[] {
    return [
      ...new Set([
        ...this.toxics.upstream.keys(),
        ...this.toxics.downstream.keys(),
        ...this.resetShares.keys(),
      ]),
    ];
  }

  hasToxic(id: string): boolean {
    return this.toxics.upstream.has(id) || this.toxics.downstream.has(id) || this.resetShares.has(id);
  }

  /** Resets `share` of the live connections now and of the new ones while active. */
  addReset(id: string, share: number): void {
    this.resetShares.set(id, share);
    for (const connection of [...this.connections]) if (this.random() < share) this.reset(connection);
  }

  removeReset(id: string): void {
    this.resetShares.delete(id);
  }

  async stop(): Promise<void> {
    for (const connection of [...this.connections]) {
      connection.links.upstream.close();
      connection.links.downstream.close();
      connection.client.destroy();
      connection.server.destroy();
    }
    this.flushBytes();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private reset(connection: ProxiedConnection): void {
    connection.links.upstream.close();
    connection.links.downstream.close();
    this.counters.connection('reset');
    resetSocket(connection.client);
    resetSocket(connection.server);
  }

  private accept(client: net.Socket): void {
    this.counters.connection('accepted');
    const resetShare = Math.max(0, ...this.resetShares.values());
    if (resetShare > 0 && this.random() < resetShare) {
      this.counters.connection('reset');
      client.on('error', () => {});
      resetSocket(client);
      this.counters.connection('closed');
      return;
    }
    // Both sockets hand their chunks to the links; the links exist once both sockets do.
    const wired: { links?: Record<Direction, Link> } = {};
    const wanted: ReadMode =
      this.readMode === 'reused' && this.reusedBufferConnections < this.maxReusedBufferConnections
        ? 'reused'
        : 'fresh';
    const clientReads = readAccepted(client, (chunk) => wired.links!.upstream.receive(chunk), wanted);
    if (wanted === 'reused') this.reusedBufferConnections += 1;
    this.lastClientReadMode = clientReads;
    client.pause();
    // Node's Socket passes highWaterMark on to its streams; @types/node omits it here.
    const server = connectReading(
      { ...this.upstream, allowHalfOpen: true, noDelay: true, highWaterMark: SOCKET_HIGH_WATER_BYTES },
      (chunk) => wired.links!.downstream.receive(chunk),
      wanted,
    );
    const links: Record<Direction, Link> = {
      upstream: new Link(
        client,
        server,
        { forwarded: (n) => this.countBytes('upstream', n) },
        this.toxics.upstream,
        clientReads,
      ),
      downstream: new Link(
        server,
        client,
        { forwarded: (n) => this.countBytes('downstream', n) },
        this.toxics.downstream,
        wanted,
      ),
    };
    wired.links = links;
    const connection: ProxiedConnection = { client, server, links };
    this.connections.add(connection);
    server.once('connect', () => client.resume());
    // Each side's FIN travels through its link (after the held data); an error or reset on
    // one side takes the other down at once.
    let closedSides = 0;
    const onClose = () => {
      closedSides += 1;
      if (closedSides === 2) {
        connection.links.upstream.close();
        connection.links.downstream.close();
        this.connections.delete(connection);
        if (wanted === 'reused') this.reusedBufferConnections -= 1;
        this.flushBytes();
        this.counters.connection('closed');
      }
    };
    client.on('error', () => server.destroy());
    server.on('error', () => client.destroy());
    client.on('close', onClose);
    server.on('close', onClose);
  }
}
