import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { resourceSchema } from '../../../src/config/schema';
import { InvalidRequestError } from '../../../src/inject/errors';
import { parseApplyRequest, parseParams, possibleModes } from '../../../src/inject/validation';

const resources = new Map(
  [
    resourceSchema.parse({
      name: 'db',
      type: 'database',
      proxy: { listen: '127.0.0.1:1', upstream: '127.0.0.1:2' },
      process: { pidFile: '/x' },
    }),
    resourceSchema.parse({
      name: 'web',
      type: 'service',
      proxy: { listen: '127.0.0.1:3', upstream: '127.0.0.1:4', protocol: 'http' },
    }),
  ].map((r) => [r.name, r] as const),
);

function refusal(fn: () => unknown): InvalidRequestError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof InvalidRequestError, String(err));
    return err;
  }
  assert.fail('expected a refusal');
}

describe('control API validation', () => {
  it('parses durations to milliseconds and fills defaults', () => {
    assert.deepEqual(parseParams('network_latency', { latency: '200ms', duration: '2m' }), {
      latency: 200,
      direction: 'both',
      duration: 120_000,
    });
    // Parsed values validate again unchanged (PATCH merges into them).
    assert.deepEqual(parseParams('network_latency', { latency: 200, direction: 'both', duration: 120_000 }), {
      latency: 200,
      direction: 'both',
      duration: 120_000,
    });
  });

  it('names the field and the allowed range of a parameter out of bounds', () => {
    const latency = refusal(() => parseParams('network_latency', { latency: '61s', duration: '1m' }));
    assert.equal(latency.field, 'params.latency');
    assert.match(latency.allowed!, /1ms\.\.1m|60/);
    const cpu = refusal(() => parseParams('cpu_throttle', { percent: 100, duration: '1m' }));
    assert.equal(cpu.field, 'params.percent');
    assert.match(cpu.allowed!, /99/);
    const unknown = refusal(() => parseParams('blackhole', { duration: '1m', colour: 'red' }));
    assert.equal(unknown.field, 'params.colour');
    assert.match(unknown.allowed!, /direction/);
  });

  it('refuses undeclared resources, impossible modes and bad leases', () => {
    const base = {
      faultId: 'f1',
      resource: 'db',
      mode: 'network_latency',
      params: { latency: '1ms', duration: '1m' },
      leaseSeconds: 10,
    };
    assert.equal(parseApplyRequest(base, resources).params.latency, 1);
    const res = refusal(() => parseApplyRequest({ ...base, resource: 'nope' }, resources));
    assert.deepEqual([res.field, res.allowed], ['resource', 'db | web']);
    const mode = refusal(() => parseApplyRequest({ ...base, mode: 'http_error' }, resources));
    assert.equal(mode.field, 'mode');
    assert.doesNotMatch(mode.allowed!, /http_error/);
    const lease = refusal(() => parseApplyRequest({ ...base, leaseSeconds: 5000 }, resources));
    assert.deepEqual([lease.field, lease.allowed], ['leaseSeconds', '1..3600']);
    const id = refusal(() => parseApplyRequest({ ...base, faultId: '../etc' }, resources));
    assert.equal(id.field, 'faultId');
  });

  it('derives the possible modes from what a resource declares', () => {
    assert.ok(possibleModes(resources.get('db')!).includes('cpu_throttle'));
    assert.ok(!possibleModes(resources.get('db')!).includes('http_error'));
    assert.ok(possibleModes(resources.get('web')!).includes('http_error'));
    assert.ok(!possibleModes(resources.get('web')!).includes('disk_fill'));
  });
});
