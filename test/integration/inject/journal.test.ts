// The journal layer of the rollback guarantee: the agent runs as a child process (the real
// `foreshock agent` command), throttles a real busy process, is SIGKILLed, and on its next
// start undoes the throttle from its journal.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { AgentClient } from '../../../src/inject/client';
import { Journal } from '../../../src/inject/journal';
import { cgroupPath, spawnBusy, stopChild } from './support';

const ROOT = path.resolve(__dirname, '../../..');
const TOKEN = 'journal-test-token-0123456789abcdefghijklmnop';

interface AgentProcess {
  child: ChildProcess;
  url: string;
  recovered: number;
}

function startAgentProcess(configFile: string, stateDir: string, prefix: string): Promise<AgentProcess> {
  const child = spawn(
    process.execPath,
    [
      path.join(ROOT, 'bin/foreshock.js'),
      'agent',
      '--config',
      configFile,
      '--listen',
      '127.0.0.1:0',
      '--state-dir',
      stateDir,
      '--cgroup-prefix',
      prefix,
    ],
    { cwd: ROOT, env: { ...process.env, FORESHOCK_AGENT_TOKEN: TOKEN }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`agent did not start in 30s: ${stderr}`)), 30_000);
    child.once('exit', (code) => reject(new Error(`agent exited with ${code}: ${stderr}`)));
    readline.createInterface({ input: child.stdout }).once('line', (line) => {
      clearTimeout(timer);
      const info = JSON.parse(line) as { url: string; recovered: number };
      resolve({ child, url: info.url, recovered: info.recovered });
    });
  });
}

describe('inject: journal recovery after SIGKILL of the agent', { timeout: 120_000 }, () => {
  let dir: string;
  let busy: ChildProcess;
  let agentProcess: AgentProcess | undefined;

  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'foreshock-journal-test-'));
    busy = spawnBusy();
  });

  after(async () => {
    if (agentProcess) await stopChild(agentProcess.child);
    if (busy) await stopChild(busy);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('a cpu_throttle left by a killed agent is undone when the agent starts again', async () => {
    const pidFile = path.join(dir, 'busy.pid');
    writeFileSync(pidFile, String(busy.pid));
    const configFile = path.join(dir, 'foreshock.yaml');
    writeFileSync(
      configFile,
      [
        'prometheus: { url: http://127.0.0.1:9 }',
        'resources:',
        '  - name: busy',
        '    type: worker',
        `    process: { pidFile: ${JSON.stringify(pidFile)} }`,
        'failure_injection_profile: { injection_frequency: 1h }',
        '',
      ].join('\n'),
    );
    const stateDir = path.join(dir, 'state');
    const prefix = `journaltest-${process.pid}`;
    const original = cgroupPath(busy.pid!, 'cpu');

    agentProcess = await startAgentProcess(configFile, stateDir, prefix);
    const client = new AgentClient({ url: agentProcess.url, token: TOKEN });
    const state = await client.apply({
      faultId: 'journal-cpu-1',
      resource: 'busy',
      mode: 'cpu_throttle',
      params: { percent: 10, duration: '1m' },
      leaseSeconds: 600,
    });
    const cgroupDir = String(state.detail?.cgroup);
    assert.ok(existsSync(cgroupDir));
    assert.notEqual(cgroupPath(busy.pid!, 'cpu'), original);
    assert.equal(Journal.open(stateDir).outstanding().length, 1);

    agentProcess.child.kill('SIGKILL');
    await new Promise((r) => agentProcess!.child.once('exit', r));
    // The agent is gone and nothing reverted the quota: exactly the case the journal is for.
    assert.ok(existsSync(cgroupDir), 'the throttle outlived the agent');
    assert.notEqual(cgroupPath(busy.pid!, 'cpu'), original);

    agentProcess = await startAgentProcess(configFile, stateDir, prefix);
    assert.equal(agentProcess.recovered, 1);
    assert.equal(cgroupPath(busy.pid!, 'cpu'), original, 'the process is back in its own cpu cgroup');
    assert.equal(existsSync(cgroupDir), false, 'our cgroup is gone');
    assert.deepEqual(Journal.open(stateDir).outstanding(), []);
    const healthy = new AgentClient({ url: agentProcess.url, token: TOKEN });
    assert.deepEqual(await healthy.list(), []);

    agentProcess.child.kill('SIGTERM');
    const code = await new Promise((r) => agentProcess!.child.once('exit', r));
    agentProcess = undefined;
    assert.equal(code, 0);
  });
});
