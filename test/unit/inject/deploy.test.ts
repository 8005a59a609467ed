// After a SIGKILL the agent's proxies have no listener until it is back: the systemd unit in
// deploy/ must restart it at once, however often, and systemd must accept every line of it.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const UNIT = path.join(__dirname, '..', '..', '..', 'deploy', 'foreshock-agent.service');

function sections(text: string): Map<string, Map<string, string>> {
  const result = new Map<string, Map<string, string>>();
  let current = new Map<string, string>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const header = /^\[(\w+)\]$/.exec(line);
    if (header) {
      current = new Map();
      result.set(header[1]!, current);
      continue;
    }
    const eq = line.indexOf('=');
    current.set(line.slice(0, eq), line.slice(eq + 1));
  }
  return result;
}

describe('deploy/foreshock-agent.service', () => {
  it('restarts the agent at once and without a start limit, with an absolute root-only state dir', (t) => {
    const unit = sections(readFileSync(UNIT, 'utf8'));
    const service = unit.get('Service')!;
    assert.equal(service.get('Restart'), 'always');
    assert.ok(Number(service.get('RestartSec')) <= 1);
    assert.equal(unit.get('Unit')!.get('StartLimitIntervalSec'), '0', 'no start limit (a [Unit] key)');
    assert.match(service.get('ExecStart')!, / --state-dir \/var\/lib\/foreshock\/agent( |$)/);
    assert.equal(service.get('StateDirectoryMode'), '0700');
    assert.equal(service.get('KillSignal'), 'SIGTERM');

    const verify = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' });
    if (verify.status !== 0) return t.skip('systemd-analyze is not installed');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'foreshock-unit-'));
    try {
      const copy = path.join(dir, 'foreshock-agent.service');
      copyFileSync(UNIT, copy);
      const result = spawnSync('systemd-analyze', ['verify', '--man=no', copy], {
        encoding: 'utf8',
        timeout: 30_000,
      });
      const unknown = `${result.stdout}${result.stderr}`
        .split('\n')
        .filter((l) => /Unknown key|Unknown section|Invalid|Failed to parse/i.test(l));
      assert.deepEqual(unknown, [], 'systemd accepts every line of the unit');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
