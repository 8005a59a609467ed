/**
 * The agent's control API over HTTP or HTTPS (routes in ./api.ts). A bearer token on everything
 * but /healthz, of the scope the route needs: `control` may do all, `read` only GET the faults,
 * `metrics` only /metrics. Optional client certificates (mTLS). The Host header must name this
 * agent (no DNS rebinding). JSON in and out; errors as {error, field, allowed} with their status.
 */
import { timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import type { Duplex } from 'node:stream';
import type { ApiErrorBody } from './api';
import type { InjectionAgent } from './core';
import { AgentError, ForbiddenScopeError, InvalidRequestError, UnauthorizedError } from './errors';
import type { AgentMetrics } from './metrics';
import { parseLeaseSeconds } from './validation';

const MAX_BODY_BYTES = 1024 * 1024;
/** How often Node looks for clients past their header or request deadline. */
const CHECK_INTERVAL_MS = 1000;

export type TokenScope = 'control' | 'read' | 'metrics';

export interface ControlApiTls {
  cert: Buffer;
  key: Buffer;
  /** CA for client certificates; with it, clients are asked for one. */
  ca?: Buffer;
  /** Refuse a client without a certificate signed by `ca`. @default false */
  requireClientCert?: boolean;
}

export interface ControlApiOptions {
  host: string;
  port: number;
  /** One token per scope; `control` is required and may do everything. */
  tokens: { control: string } & Partial<Record<TokenScope, string>>;
  tls?: ControlApiTls;
  /** Host header names accepted besides the loopback ones and the listen address. @default none */
  hostNames?: readonly string[];
  agent: InjectionAgent;
  metrics: AgentMetrics;
  /** Connections served at once; more are closed on arrival. @default 256 */
  maxConnections?: number;
  /** A client must have sent its headers within this; the whole request within 3×. @default 10000 */
  headersTimeoutMs?: number;
}

export interface ControlApi {
  url: string;
  stop(): Promise<void>;
}

function tokenMatches(presented: Buffer, token: string | undefined): boolean {
  if (token === undefined) return false;
  const expected = Buffer.from(token);
  return presented.length === expected.length && timingSafeEqual(presented, expected);
}

/** The scopes the presented token holds (control holds all of them). */
function scopesOf(header: string | undefined, tokens: ControlApiOptions['tokens']): Set<TokenScope> {
  const presented = Buffer.from(header?.startsWith('Bearer ') ? header.slice(7) : '');
  if (tokenMatches(presented, tokens.control)) return new Set(['control', 'read', 'metrics']);
  const held = new Set<TokenScope>();
  if (tokenMatches(presented, tokens.read)) held.add('read');
  if (tokenMatches(presented, tokens.metrics)) held.add('metrics');
  return held;
}

const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '::1'];

/** The host part of a Host header, lowercased, without port or IPv6 brackets. */
function hostNameOf(header: string | undefined): string {
  const value = (header ?? '').trim().toLowerCase();
  if (value.startsWith('[')) return value.slice(1, value.indexOf(']'));
  const colon = value.lastIndexOf(':');
  return colon >= 0 ? value.slice(0, colon) : value;
}

/** The whole body, read before any answer (an unread body would corrupt the next request on the connection). */
async function readBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES)
      throw new InvalidRequestError('the body is too large', 'body', `at most ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseJson(text: string): unknown {
  if (!text.trim()) return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new InvalidRequestError('the body is not valid JSON', 'body', 'a JSON object');
  }
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export async function startControlApi(options: ControlApiOptions): Promise<ControlApi> {
  const { agent, metrics, tokens } = options;
  const hostNames = new Set(
    [...LOOPBACK_NAMES, options.host, ...(options.hostNames ?? [])].map((h) =>
      h.replace(/^\[|\]$/g, '').toLowerCase(),
    ),
  );

  const route = async (req: http.IncomingMessage, res: http.ServerResponse, text: string): Promise<void> => {
    const readJson = () => parseJson(text);
    const hostName = hostNameOf(req.headers.host);
    if (!hostNames.has(hostName)) {
      throw new InvalidRequestError(
        `this agent does not answer to ${hostName || 'no Host'}`,
        'host',
        [...hostNames].join(' | '),
      );
    }
    let url: URL;
    let parts: string[];
    try {
      url = new URL(req.url ?? '/', 'http://agent');
      parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    } catch {
      throw new InvalidRequestError('the path is not a valid URL path', 'path', 'a percent-encoded path');
    }
    const method = req.method ?? 'GET';
    if (method === 'GET' && url.pathname === '/healthz') {
      send(res, 200, { ok: true, activeFaults: agent.activeCount() });
      return;
    }
    const held = scopesOf(req.headers.authorization, tokens);
    if (held.size === 0) throw new UnauthorizedError();
    const needed: TokenScope =
      url.pathname === '/metrics' ? 'metrics' : method === 'GET' || method === 'HEAD' ? 'read' : 'control';
    if (!held.has(needed)) throw new ForbiddenScopeError(needed);
    if (method === 'GET' && url.pathname === '/metrics') {
      const text = await metrics.registry.metrics();
      res.writeHead(200, { 'content-type': metrics.registry.contentType });
      res.end(text);
      return;
    }
    const [v1, collection, id, action] = parts;
    if (v1 === 'v1' && collection === 'faults') {
      if (id === undefined) {
        if (method === 'POST') return send(res, 200, await agent.apply(readJson()));
        if (method === 'GET') return send(res, 200, { faults: agent.list() });
      } else if (action === 'renew' && method === 'POST') {
        return send(res, 200, await agent.renew(id, parseLeaseSeconds(readJson())));
      } else if (action === undefined) {
        if (method === 'GET') return send(res, 200, agent.get(id));
        if (method === 'PATCH') return send(res, 200, await agent.update(id, readJson()));
        if (method === 'DELETE') return send(res, 200, await agent.revert(id));
      }
    }
    if (
      v1 === 'v1' &&
      collection === 'resources' &&
      id !== undefined &&
      action === 'failover' &&
      method === 'POST'
    ) {
      return send(res, 200, await agent.failover(id, readJson()));
    }
    send(res, 404, {
      error: `no route ${method} ${url.pathname}`,
      field: 'path',
      allowed:
        '/v1/faults, /v1/faults/:id, /v1/faults/:id/renew, /v1/resources/:name/failover, /healthz, /metrics',
    } satisfies ApiErrorBody);
  };

  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    readBody(req)
      .then(
        (text) => route(req, res, text),
        (err: unknown) => {
          // The rest of an oversized body is never read: this connection cannot carry another request.
          res.shouldKeepAlive = false;
          throw err;
        },
      )
      .catch((err: unknown) => {
        if (res.headersSent) return res.destroy();
        if (err instanceof AgentError) return send(res, err.status, err.toBody());
        send(res, 500, { error: err instanceof Error ? err.message : String(err) } satisfies ApiErrorBody);
      });
  };
  const tls = options.tls;
  const server = tls
    ? https.createServer(
        {
          cert: tls.cert,
          key: tls.key,
          ca: tls.ca,
          requestCert: tls.ca !== undefined,
          rejectUnauthorized: tls.requireClientCert ?? false,
          minVersion: 'TLSv1.2',
          connectionsCheckingInterval: CHECK_INTERVAL_MS,
        },
        handler,
      )
    : http.createServer({ connectionsCheckingInterval: CHECK_INTERVAL_MS }, handler);
  // Requests the HTTP parser refuses still get an answer that names what was wrong.
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    if (!socket.writable || err.code === 'ECONNRESET') return socket.destroy();
    const timedOut = err.code === 'ERR_HTTP_REQUEST_TIMEOUT';
    const text = JSON.stringify({
      error: timedOut
        ? 'the request did not arrive in time'
        : `malformed HTTP request (${err.code ?? err.message})`,
      field: 'request',
      allowed: timedOut ? `headers within ${server.headersTimeout} ms` : 'an HTTP/1.1 request',
    } satisfies ApiErrorBody);
    socket.end(
      `HTTP/1.1 ${timedOut ? '408 Request Timeout' : '400 Bad Request'}\r\ncontent-type: application/json\r\n` +
        `content-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n${text}`,
    );
  });
  // Slow or idle clients cannot hold the control API: caps on connections and on how long a
  // request may take to arrive, and an idle limit past the longest apply (fallocate, 60 s).
  server.maxConnections = options.maxConnections ?? 256;
  const headersTimeout = options.headersTimeoutMs ?? 10_000;
  server.headersTimeout = headersTimeout;
  server.requestTimeout = 3 * headersTimeout;
  server.keepAliveTimeout = 5000;
  server.setTimeout(120_000, (socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as net.AddressInfo;
  const host =
    options.host.includes(':') && !options.host.startsWith('[') ? `[${options.host}]` : options.host;
  return {
    url: `${tls ? 'https' : 'http'}://${host}:${port}`,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
