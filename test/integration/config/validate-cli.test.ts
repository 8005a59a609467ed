// `foreshock validate` as users run it: the real CLI in a child process.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { Command } from 'commander';
import { registerValidate } from '../../../src/cli/commands/validate';

const ROOT = path.join(__dirname, '..', '..', '..');
const run = promisify(execFile);

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

async function foreshock(...args: string[]): Promise<CliResult> {
  // Without TEMPORAL_* noise from the caller's environment.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TEMPORAL_')));
  try {
    const { stdout, stderr } = await run(process.execPath, ['bin/foreshock.js', ...args], { cwd: ROOT, env });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const failed = err as { code?: number; stdout: string; stderr: string };
    if (typeof failed.code !== 'number') throw err;
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

const THREE_ERRORS = 'test/fixtures/config/three-errors.yaml';

/**
 * The validate command in this process (the full CLI takes seconds to start): output captured,
 * exit code as the CLI would return it.
 */
async function validateInProcess(...args: string[]): Promise<CliResult> {
  const program = new Command('foreshock').exitOverride();
  registerValidate(program);
  const out: string[] = [];
  const err: string[] = [];
  const { log, error } = console;
  const previousExitCode = process.exitCode;
  console.log = (...parts: unknown[]) => void out.push(parts.join(' ') + '\n');
  console.error = (...parts: unknown[]) => void err.push(parts.join(' ') + '\n');
  try {
    await program.parseAsync(['node', 'foreshock', ...args]);
    return { code: Number(process.exitCode ?? 0), stdout: out.join(''), stderr: err.join('') };
  } finally {
    console.log = log;
    console.error = error;
    process.exitCode = previousExitCode;
  }
}

describe('foreshock validate (CLI)', () => {
  // The acceptance runs go through the real CLI, started as users start it.
  let example: CliResult;
  let three: CliResult;
  before(async () => {
    example = await foreshock('validate', 'config/foreshock.yaml');
    three = await foreshock('validate', THREE_ERRORS);
  });

  it('the example config is valid: exit 0 and a one-line summary', () => {
    assert.equal(example.code, 0, example.stderr);
    assert.equal(example.stderr, '');
    assert.match(
      example.stdout.trim(),
      /^config\/foreshock\.yaml: valid — 3 resources \(web, api, orders-db\), \d+ failure modes, every 1h, Temporal: embedded dev server$/,
    );
  });

  it('unknown mode, bad duration, missing proxy: exit 1 with exactly those three positioned errors', () => {
    assert.equal(three.code, 1);
    const positioned = three.stderr
      .split('\n')
      .filter((line) => line.startsWith(`${THREE_ERRORS}:`) && /:\d+:\d+: /.test(line));
    assert.deepEqual(
      positioned.map((line) => line.replace(/ \(expected .*\)$/, '')),
      [
        `${THREE_ERRORS}:11:13: failure_injection_profile.cooldown: invalid value "10 minutes"`,
        `${THREE_ERRORS}:14:21: resource_failure_modes[0].failure_modes[0]: network_latency needs a proxy, but resource "orders-db" has no proxy`,
        `${THREE_ERRORS}:14:38: resource_failure_modes[0].failure_modes[1]: unknown failure mode "disk_explode"`,
      ],
    );
    assert.match(positioned[0]!, /\(expected a duration such as 200ms, 5s, 2m or 1h\)$/);
    assert.match(positioned[2]!, /\(expected one of network_latency, .*, process_pause\)$/);
    assert.match(three.stderr, /: 3 errors\n$/);
  });

  it('--json prints {valid, errors, warnings}', async () => {
    const bad = await validateInProcess('validate', THREE_ERRORS, '--json');
    assert.equal(bad.code, 1);
    const report = JSON.parse(bad.stdout) as {
      valid: boolean;
      errors: { line: number; col: number; path: string }[];
      warnings: unknown[];
    };
    assert.equal(report.valid, false);
    assert.deepEqual(
      report.errors.map((e) => `${e.line}:${e.col} ${e.path}`),
      [
        '11:13 failure_injection_profile.cooldown',
        '14:21 resource_failure_modes[0].failure_modes[0]',
        '14:38 resource_failure_modes[0].failure_modes[1]',
      ],
    );
    const good = await validateInProcess('validate', 'config/foreshock.yaml', '--json');
    assert.equal(good.code, 0);
    assert.deepEqual(JSON.parse(good.stdout), { valid: true, errors: [], warnings: [] });
  });

  it('a missing file is one positioned error, exit 1', async () => {
    const result = await validateInProcess('validate', 'test/fixtures/config/does-not-exist.yaml');
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /^test\/fixtures\/config\/does-not-exist\.yaml:1:1: cannot read: file not found$/m,
    );
  });
});
