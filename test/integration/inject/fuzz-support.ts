/**
 * Property-based fuzzing of the agent's control API (fast-check): random methods, paths, ids,
 * bodies (valid-looking applies with wild params, any JSON, raw garbage) and tokens, sent in
 * small concurrent batches to a real agent. After every batch each answer is checked (no 5xx,
 * every 4xx a JSON body naming its field), and every so often that each toxic, HTTP rule or
 * failover in the proxies belongs to a fault GET /v1/faults lists. At the end every listed
 * fault is reverted and the proxies must be clean.
 */
import http from 'node:http';
import fc from 'fast-check';
import { FAILURE_MODES } from '../../../src/config/fault-params';
import { resourceSchema, type ResourceConfig } from '../../../src/config/schema';
import type { RunningAgent } from '../../../src/inject/agent';

export interface FuzzStats {
  requests: number;
  /** Requests Node's client refused to send (e.g. a path with a space); not counted as answered. */
  unsendable: number;
  byStatus: Record<string, number>;
  crashes: number;
  serverErrors: number;
  unnamedErrors: number;
  untrackedFaults: number;
  faultsApplied: number;
  leftAfterRevert: number;
  violations: string[];
  durationMs: number;
}

interface FuzzRequest {
  method: string;
  path: string;
  body: string | undefined;
  auth: 'good' | 'none' | 'wrong' | 'bearerless';
}

const ID_POOL = [...Array.from({ length: 40 }, (_, i) => `f${i + 1}`), 'failover:edge', 'failover:web'];

function requestArbitrary(resources: string[]): fc.Arbitrary<FuzzRequest> {
  const id = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...ID_POOL) },
    { weight: 1, arbitrary: fc.string({ maxLength: 30 }) },
    { weight: 1, arbitrary: fc.constantFrom('..', '%2e%2e', 'a'.repeat(250), 'x/y', ' ', 'é') },
  );
  const duration = fc.oneof(
    fc.constantFrom('1s', '2s', '5s', '1h', '25h', '0s', '-1s', 'abc', ''),
    fc.integer({ min: -10, max: 200_000 }),
    fc.double(),
  );
  const size = fc.oneof(fc.constantFrom('1KiB', '64', '1TiB', 'x'), fc.integer({ min: -1, max: 2 ** 40 }));
  const params = fc.oneof(
    fc.record(
      {
        latency: fc.oneof(fc.constantFrom('10ms', '1s', '100s'), fc.integer({ min: -5, max: 70_000 })),
        jitter: fc.oneof(fc.constantFrom('5ms'), fc.integer({ min: -1, max: 70_000 })),
        direction: fc.constantFrom('both', 'upstream', 'downstream', 'sideways'),
        duration,
      },
      { requiredKeys: [] },
    ),
    fc.record(
      {
        rate: size,
        share: fc.double({ min: -1, max: 2, noNaN: false }),
        status: fc.integer({ min: 100, max: 700 }),
        delay: fc.oneof(fc.constantFrom('50ms', '2m'), fc.integer({ min: -1, max: 100_000 })),
        size,
        keep_free: size,
        workers: fc.integer({ min: -1, max: 100 }),
        duration,
      },
      { requiredKeys: [] },
    ),
    fc.dictionary(fc.string({ maxLength: 10 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
    fc.jsonValue({ maxDepth: 2 }),
  );
  const lease = fc.oneof(
    fc.integer({ min: -1, max: 4 }),
    fc.constantFrom(1, 2, 3600, 3601, 1e9),
    fc.double(),
  );
  const resource = fc.oneof(
    { weight: 5, arbitrary: fc.constantFrom(...resources) },
    fc.string({ maxLength: 12 }),
  );
  const apply = fc.record(
    {
      faultId: id,
      resource,
      mode: fc.oneof(
        { weight: 5, arbitrary: fc.constantFrom(...FAILURE_MODES) },
        fc.constantFrom('failover', 'bogus', ''),
      ),
      params,
      leaseSeconds: lease,
    },
    { requiredKeys: [] },
  );
  // Applies that mostly pass validation, so that faults really come and go.
  const goodParams: Record<string, fc.Arbitrary<Record<string, unknown>>> = {
    network_latency: fc.record({
      latency: fc.constantFrom('10ms', '50ms'),
      direction: fc.constantFrom('both', 'upstream'),
    }),
    bandwidth: fc.record({ rate: fc.constantFrom(1024, '64KiB') }),
    connection_reset: fc.record({ share: fc.constantFrom(0.5, 1) }),
    blackhole: fc.record({ direction: fc.constantFrom('both', 'downstream') }),
    http_error: fc.record({ status: fc.constantFrom(503, 500), share: fc.constantFrom(0.5, 1) }),
    http_delay: fc.record({ delay: fc.constantFrom('20ms'), share: fc.constantFrom(1) }),
  };
  const plausible = fc.constantFrom(...Object.keys(goodParams)).chain((mode) =>
    fc.record({
      faultId: fc.constantFrom(...ID_POOL.slice(0, 40)),
      resource: fc.constantFrom(...resources),
      mode: fc.constant(mode),
      params: fc
        .tuple(goodParams[mode]!, fc.constantFrom('2s', '5s', '1m'))
        .map(([p, duration]) => ({ ...p, duration })),
      leaseSeconds: fc.integer({ min: 1, max: 4 }),
    }),
  );
  const body = fc.oneof(
    { weight: 6, arbitrary: plausible },
    { weight: 6, arbitrary: apply },
    { weight: 2, arbitrary: fc.record({ leaseSeconds: lease }, { requiredKeys: [] }) },
    {
      weight: 2,
      arbitrary: fc.record({ params, mode: fc.constantFrom('blackhole') }, { requiredKeys: ['params'] }),
    },
    {
      weight: 2,
      arbitrary: fc.record(
        { active: fc.oneof(fc.boolean(), fc.jsonValue()), leaseSeconds: lease },
        { requiredKeys: [] },
      ),
    },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  );
  const text = fc.oneof(
    { weight: 8, arbitrary: body.map((b) => JSON.stringify(b)) },
    { weight: 1, arbitrary: fc.constant(undefined) },
    {
      weight: 1,
      arbitrary: fc.oneof(
        fc.string({ maxLength: 40 }),
        fc.constantFrom('{', '[]', 'null', '{"faultId":', '\u0000'),
      ),
    },
  );
  const enc = (s: string) => encodeURIComponent(s);
  const path = fc.oneof(
    { weight: 4, arbitrary: fc.constant('/v1/faults') },
    { weight: 4, arbitrary: id.map((i) => `/v1/faults/${enc(i)}`) },
    { weight: 3, arbitrary: id.map((i) => `/v1/faults/${enc(i)}/renew`) },
    { weight: 2, arbitrary: resource.map((r) => `/v1/resources/${enc(r)}/failover`) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        '/metrics',
        '/healthz',
        '/',
        '/v1',
        '/v1/faults/%ZZ',
        '/v1/faults/a/b/c',
        '/v2/faults',
        '//v1//faults',
      ),
    },
    { weight: 1, arbitrary: fc.webPath() },
  );
  const method = fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom('GET', 'POST', 'PATCH', 'DELETE') },
    { weight: 1, arbitrary: fc.constantFrom('PUT', 'HEAD', 'OPTIONS') },
  );
  const auth = fc.oneof(
    { weight: 12, arbitrary: fc.constant('good' as const) },
    { weight: 1, arbitrary: fc.constantFrom('none' as const, 'wrong' as const, 'bearerless' as const) },
  );
  const random = fc.record({ method, path, body: text, auth });
  // Requests that fit together (the right body on the right route), so faults really come and go.
  const poolId = fc.constantFrom(...ID_POOL).map(enc);
  const good = (m: string, p: fc.Arbitrary<string>, b: fc.Arbitrary<unknown>) =>
    fc.record({
      method: fc.constant(m),
      path: p,
      body: b.map((v) => (v === undefined ? undefined : JSON.stringify(v))),
      auth: fc.constant('good' as const),
    });
  const coherent = fc.oneof(
    { weight: 4, arbitrary: good('POST', fc.constant('/v1/faults'), plausible) },
    {
      weight: 3,
      arbitrary: good(
        'DELETE',
        poolId.map((i) => `/v1/faults/${i}`),
        fc.constant(undefined),
      ),
    },
    {
      weight: 2,
      arbitrary: good(
        'POST',
        poolId.map((i) => `/v1/faults/${i}/renew`),
        fc.record({ leaseSeconds: lease }),
      ),
    },
    {
      weight: 2,
      arbitrary: good(
        'PATCH',
        poolId.map((i) => `/v1/faults/${i}`),
        fc.record({ params }),
      ),
    },
    {
      weight: 2,
      arbitrary: good(
        'POST',
        resource.map((r) => `/v1/resources/${enc(r)}/failover`),
        fc.record(
          { active: fc.boolean(), leaseSeconds: fc.integer({ min: 1, max: 3 }) },
          { requiredKeys: ['active'] },
        ),
      ),
    },
    { weight: 1, arbitrary: good('GET', fc.constant('/v1/faults'), fc.constant(undefined)) },
  );
  return fc.oneof(random, coherent);
}

function send(
  agent: RunningAgent,
  request: FuzzRequest,
): Promise<{ status: number; text: string } | 'unsendable'> {
  const url = new URL(agent.url);
  const headers: http.OutgoingHttpHeaders = {};
  if (request.auth === 'good') headers.authorization = `Bearer ${agent.token}`;
  if (request.auth === 'wrong') headers.authorization = `Bearer ${agent.token.slice(1)}x`;
  if (request.auth === 'bearerless') headers.authorization = agent.token;
  if (request.body !== undefined) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = Buffer.byteLength(request.body);
  }
  return new Promise((resolve) => {
    let req: http.ClientRequest;
    try {
      req = http.request({
        host: url.hostname,
        port: url.port,
        method: request.method,
        path: request.path,
        headers,
      });
    } catch {
      return resolve('unsendable');
    }
    req.setTimeout(30_000, () =>
      req.destroy(new Error(`no answer in 30 s to ${request.method} ${request.path}`)),
    );
    // No answer at all (a reset or hang-up) counts as status 0: a server error.
    req.once('error', (err) => resolve({ status: 0, text: err.message }));
    req.once('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.once('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.end(request.body);
  });
}

/** Ids the proxies hold: toxics, HTTP rules, and failovers. */
function idsInProxies(agent: RunningAgent): string[] {
  const ids: string[] = [];
  for (const proxy of agent.proxies.values()) {
    ids.push(...proxy.tcp.toxicIds(), ...(proxy.http?.ruleIds() ?? []));
    if (proxy.onFailover) ids.push(`failover:${proxy.resource}`);
  }
  return ids;
}

async function listed(agent: RunningAgent): Promise<{ faultId: string; phase: string }[]> {
  const answer = await send(agent, { method: 'GET', path: '/v1/faults', body: undefined, auth: 'good' });
  if (answer === 'unsendable' || answer.status !== 200) throw new Error('GET /v1/faults failed');
  return (JSON.parse(answer.text) as { faults: { faultId: string; phase: string }[] }).faults;
}

export async function fuzzControlApi(
  agent: RunningAgent,
  options: { requests: number; seed: number; checkEvery?: number; maxBatch?: number },
): Promise<FuzzStats> {
  const started = Date.now();
  const stats: FuzzStats = {
    requests: 0,
    unsendable: 0,
    byStatus: {},
    crashes: 0,
    serverErrors: 0,
    unnamedErrors: 0,
    untrackedFaults: 0,
    faultsApplied: 0,
    leftAfterRevert: 0,
    violations: [],
    durationMs: 0,
  };
  const violation = (text: string) => {
    if (stats.violations.length < 20) stats.violations.push(text);
  };
  const arbitrary = requestArbitrary([...agent.proxies.keys()]);
  const batch = fc.array(arbitrary, { minLength: 1, maxLength: options.maxBatch ?? 3 });
  const checkEvery = options.checkEvery ?? 20;
  let round = 0;
  const chunk = 200;
  while (stats.requests < options.requests) {
    // Each chunk gets its own generation of the pooled ids (f1…f40), so ids do not run out.
    const generation = (text: string) => text.replace(/\bf(\d{1,2})\b/g, `f$1-g${round}`);
    const batches = fc
      .sample(batch, { numRuns: chunk, seed: options.seed + round })
      .map((b) => b.map((r) => ({ ...r, path: generation(r.path), body: r.body && generation(r.body) })));
    round += 1;
    for (const [b, requests] of batches.entries()) {
      if (stats.requests >= options.requests) break;
      const todo = requests.slice(0, options.requests - stats.requests);
      const answers = await Promise.all(todo.map((r) => send(agent, r)));
      answers.forEach((answer, i) => {
        const request = todo[i]!;
        if (answer === 'unsendable') {
          stats.unsendable += 1;
          return;
        }
        stats.requests += 1;
        stats.byStatus[answer.status] = (stats.byStatus[answer.status] ?? 0) + 1;
        const what = `${request.method} ${request.path} ${request.body?.slice(0, 200) ?? ''}`;
        if (answer.status >= 500 || answer.status === 0) {
          stats.serverErrors += 1;
          violation(`${answer.status} for ${what}: ${answer.text.slice(0, 200)}`);
        } else if (answer.status >= 400 && request.method !== 'HEAD') {
          let body: { error?: unknown; field?: unknown } = {};
          try {
            body = JSON.parse(answer.text) as typeof body;
          } catch {
            // counted below
          }
          if (typeof body.error !== 'string' || typeof body.field !== 'string' || body.field === '') {
            stats.unnamedErrors += 1;
            violation(`${answer.status} without a field for ${what}: ${answer.text.slice(0, 200)}`);
          }
        } else if (request.method === 'POST' && request.path === '/v1/faults' && answer.status === 200) {
          stats.faultsApplied += 1;
        }
      });
      if (b % checkEvery === 0) {
        const health = await send(agent, { method: 'GET', path: '/healthz', body: undefined, auth: 'none' });
        if (health === 'unsendable' || health.status !== 200) stats.crashes += 1;
        const live = new Set(
          (await listed(agent))
            .filter((f) => f.phase === 'applied' || f.phase === 'applying')
            .map((f) => f.faultId),
        );
        for (const id of idsInProxies(agent)) {
          if (!live.has(id)) {
            stats.untrackedFaults += 1;
            violation(`${id} acts in a proxy but GET /v1/faults does not list it as applied`);
          }
        }
      }
    }
  }
  for (const fault of await listed(agent)) {
    if (fault.phase === 'applied' || fault.phase === 'applying') {
      await send(agent, {
        method: 'DELETE',
        path: `/v1/faults/${encodeURIComponent(fault.faultId)}`,
        body: undefined,
        auth: 'good',
      });
    }
  }
  const left = idsInProxies(agent);
  stats.leftAfterRevert = left.length + (await listed(agent)).filter((f) => f.phase === 'applied').length;
  if (left.length) violation(`left in the proxies after reverting every listed fault: ${left.join(', ')}`);
  stats.durationMs = Date.now() - started;
  return stats;
}

/** The fuzzed agent's resources: a TCP proxy with a failover upstream and an HTTP-mode proxy. */
export function fuzzAgentResources(upstream: string, failover: string): ResourceConfig[] {
  return [
    resourceSchema.parse({
      name: 'edge',
      type: 'cache',
      proxy: { listen: '127.0.0.1:0', upstream, failover },
    }),
    resourceSchema.parse({
      name: 'web',
      type: 'web',
      proxy: { listen: '127.0.0.1:0', upstream, protocol: 'http' },
    }),
  ];
}
