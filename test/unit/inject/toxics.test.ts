import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BandwidthToxic, LatencyToxic, type HeldChunk } from '../../../src/inject/proxy/toxics';

const chunk = (arrivedAt: number): HeldChunk => ({ data: Buffer.alloc(10), offset: 0, arrivedAt });

describe('toxics', () => {
  it('latency holds a chunk until arrival + latency, and a changed latency applies at once', () => {
    const toxic = new LatencyToxic(100);
    const c = chunk(1000);
    assert.equal(toxic.holdMs(c, 1000), 100);
    assert.equal(toxic.holdMs(c, 1060), 40);
    assert.ok(toxic.holdMs(c, 1200) < 0);
    toxic.latencyMs = 10;
    assert.ok(toxic.holdMs(c, 1060) < 0, 'a lowered latency releases held chunks');
  });

  it('jitter stays within ±jitter and is fixed per chunk', () => {
    let next = 0;
    const randoms = [0, 1, 0.5];
    const toxic = new LatencyToxic(100, 20, () => randoms[next++ % randoms.length]!);
    const holds = [chunk(0), chunk(0), chunk(0)].map((c) => toxic.holdMs(c, 0));
    assert.deepEqual(holds, [80, 120, 100]);
    const c = chunk(0);
    const first = toxic.holdMs(c, 0);
    assert.equal(toxic.holdMs(c, 0), first, 'the same chunk keeps its jitter');
  });

  it('bandwidth admits about rate bytes per second', () => {
    const toxic = new BandwidthToxic(1000, 0);
    let sent = 0;
    for (let now = 0; now <= 2000; now += 10) {
      const { bytes } = toxic.admit(1_000_000, now);
      toxic.spent(bytes, now);
      sent += bytes;
    }
    assert.ok(sent >= 1900 && sent <= 2100, `sent ${sent} bytes in 2s at 1000 B/s`);
    const empty = new BandwidthToxic(1000, 0);
    const refused = empty.admit(100, 0);
    assert.equal(refused.bytes, 0);
    assert.ok(refused.waitMs > 0);
  });
});
