// foreshock as a package, tried the way a Temporal user would: `npm pack` (which builds dist/),
// the tarball installed into a scratch project outside the repository, a strict TypeScript
// consumer (node16, exactOptionalPropertyTypes, libraries checked) compiled against it, and the
// consumer run: workflow bundle, one injection, one chaos cycle and one training on real servers.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { toolPaths } from '../../../src/tools';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '../../..');
const FIXTURE = path.join(ROOT, 'test', 'fixtures', 'consumer');

interface PackResult {
  filename: string;
  size: number;
  unpackedSize: number;
  entryCount: number;
  files: { path: string }[];
}

/** What the package may ship besides dist/ (npm adds package.json, README and LICENSE itself). */
const SHIPPED_OUTSIDE_DIST = [
  'LICENSE',
  'README.md',
  'bin/foreshock.js',
  'config/foreshock.schema.json',
  'package.json',
];

async function npmPack(args: string[]): Promise<PackResult> {
  const { stdout } = await run('npm', ['pack', '--json', ...args], {
    cwd: ROOT,
    maxBuffer: 64 * 1024 * 1024,
  });
  return (JSON.parse(stdout.slice(stdout.indexOf('[\n'))) as PackResult[])[0]!;
}

/**
 * npm's install layout without the network: the tarball unpacked as node_modules/foreshock, and
 * each package foreshock declares (dependencies and peers, nothing else) linked from the
 * repository's node_modules, where `npm ci` put the locked versions. A module dist/ requires
 * without declaring it is not found.
 */
function installTarball(tarball: string, project: string, extra: string[]): Promise<unknown> {
  const modules = path.join(project, 'node_modules');
  const target = path.join(modules, 'foreshock');
  mkdirSync(target, { recursive: true });
  mkdirSync(path.join(modules, '.bin'));
  return run('tar', ['xzf', tarball, '--strip-components=1', '-C', target]).then(() => {
    const manifest = JSON.parse(readFileSync(path.join(target, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
      peerDependencies: Record<string, string>;
    };
    for (const name of [
      ...Object.keys(manifest.dependencies),
      ...Object.keys(manifest.peerDependencies),
      ...extra,
    ]) {
      const from = path.join(ROOT, 'node_modules', name);
      assert.ok(existsSync(from), `${name} is not installed in the repository (run npm ci)`);
      mkdirSync(path.dirname(path.join(modules, name)), { recursive: true });
      symlinkSync(from, path.join(modules, name));
    }
    symlinkSync('../foreshock/bin/foreshock.js', path.join(modules, '.bin', 'foreshock'));
  });
}

describe('the packed foreshock package in a strict consumer project', () => {
  let scratch: string;
  let project: string;
  let packed: PackResult;

  before(async () => {
    scratch = mkdtempSync(path.join(os.tmpdir(), 'foreshock-consumer-'));
    project = path.join(scratch, 'app');
    mkdirSync(project);
    packed = await npmPack(['--pack-destination', scratch]);
    await installTarball(path.join(scratch, packed.filename), project, ['typescript', '@types/node']);
    writeFileSync(
      path.join(project, 'package.json'),
      JSON.stringify({ name: 'foreshock-consumer', private: true, type: 'commonjs' }, null, 2),
    );
    writeFileSync(
      path.join(project, 'tsconfig.json'),
      JSON.stringify(
        {
          compilerOptions: {
            target: 'ES2022',
            module: 'node16',
            moduleResolution: 'node16',
            strict: true,
            exactOptionalPropertyTypes: true,
            skipLibCheck: false,
            types: ['node'],
            rootDir: 'src',
            outDir: 'build',
          },
          include: ['src'],
        },
        null,
        2,
      ),
    );
    cpSync(path.join(FIXTURE, 'src'), path.join(project, 'src'), { recursive: true });
    cpSync(path.join(FIXTURE, 'node10'), path.join(project, 'node10'), { recursive: true });
    writeFileSync(
      path.join(project, 'tsconfig.node10.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'commonjs',
          moduleResolution: 'node10',
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: ['node'],
        },
        files: ['node10/entries.ts'],
      }),
    );
  });

  after(() => {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('ships only dist, the bin script, README, schema and license', async (t) => {
    const dry = await npmPack(['--dry-run', '--ignore-scripts']);
    for (const listing of [packed, dry]) {
      const outside = listing.files.map((f) => f.path).filter((p) => !p.startsWith('dist/'));
      assert.deepEqual(outside.sort(), [...SHIPPED_OUTSIDE_DIST].sort());
    }
    assert.deepEqual(dry.files.map((f) => f.path).sort(), packed.files.map((f) => f.path).sort());
    const dist = packed.files.map((f) => f.path).filter((p) => p.startsWith('dist/'));
    for (const entry of ['index', 'workflows/index', 'testing/index', 'cli/main']) {
      assert.ok(dist.includes(`dist/${entry}.js`) && dist.includes(`dist/${entry}.d.ts`), entry);
    }
    assert.ok(!dist.some((p) => p.endsWith('.ts') && !p.endsWith('.d.ts')), 'no TypeScript sources');
    t.diagnostic(
      `npm pack: ${packed.entryCount} files, ${packed.size} bytes packed, ${packed.unpackedSize} unpacked`,
    );
  });

  it('loads in plain Node: require() of every entry, the bin, no tsx anywhere', async () => {
    const { stdout } = await run(
      process.execPath,
      [
        '-e',
        "const f = require('foreshock'); require('foreshock/workflows'); require('foreshock/testing');" +
          "let tsx = 'absent'; try { require.resolve('tsx'); tsx = 'present'; } catch {}" +
          'console.log(typeof f.ForeshockPlugin.fromConfig, tsx)',
      ],
      { cwd: project },
    );
    assert.equal(stdout.trim(), 'function absent');
    const bin = await run(path.join(project, 'node_modules', '.bin', 'foreshock'), ['--version'], {
      cwd: project,
    });
    assert.equal(bin.stdout.trim(), '0.1.0');
  });

  it('type-checks a strict consumer (node16, exactOptionalPropertyTypes) against the declarations', async (t) => {
    const tsc = path.join(project, 'node_modules', 'typescript', 'bin', 'tsc');
    const output = await run(process.execPath, [tsc, '-p', '.'], { cwd: project }).then(
      (r) => r.stdout,
      (err: { stdout: string }) => err.stdout,
    );
    const errors = output.split('\n').filter((line) => /error TS\d+/.test(line));
    // The Temporal SDK's own declarations do not all hold under exactOptionalPropertyTypes.
    const sdkOwn = errors.filter((line) => line.includes('/@temporalio/'));
    assert.deepEqual(
      errors.filter((line) => !sdkOwn.includes(line)),
      [],
      'no error in foreshock or the consumer',
    );
    assert.ok(existsSync(path.join(project, 'build', 'main.js')), output);
    t.diagnostic(`tsc: 0 errors in foreshock's declarations; ${sdkOwn.length} in @temporalio's own`);
  });

  it('resolves every entry under the older node10 module resolution too', async () => {
    const tsc = path.join(project, 'node_modules', 'typescript', 'bin', 'tsc');
    const output = await run(process.execPath, [tsc, '-p', 'tsconfig.node10.json'], { cwd: project }).then(
      (r) => r.stdout,
      (err: { stdout: string }) => err.stdout,
    );
    assert.equal(output.trim(), '');
  });

  it('runs a plain Worker.create with ForeshockPlugin.fromConfig: bundle, injection, cycle, training', async (t) => {
    const tools = toolPaths();
    const { stdout } = await run(
      process.execPath,
      [path.join('build', 'main.js'), path.join(scratch, 'work')],
      {
        cwd: project,
        env: { ...process.env, TEMPORAL_CLI_PATH: tools.temporal, PROMETHEUS_BIN: tools.prometheus },
        timeout: 240_000,
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    const lines = stdout.trim().split('\n');
    const result = JSON.parse(lines[lines.length - 1]!) as {
      bundle: { bytes: number; modules: number; zod: boolean };
      cycle: { considered: number; injections: { scenario: string; rollbackPath: string | null }[] };
      activeFaultsAfterCycle: number;
      injection: { rollbackPath: string; verified: boolean | null };
      activeFaultsAfterInjection: number;
      training: { model: string; version: number | null; promoted: boolean | null; error: string | null }[];
      ms: number;
    };
    assert.ok(result.bundle.bytes > 0 && result.bundle.modules > 0, JSON.stringify(result.bundle));
    assert.equal(result.cycle.injections.length, 1, JSON.stringify(result.cycle));
    assert.equal(result.cycle.injections[0]?.rollbackPath, 'duration_end');
    assert.equal(result.activeFaultsAfterCycle, 0, 'the cycle left no fault');
    assert.deepEqual(result.injection, { rollbackPath: 'duration_end', verified: true });
    assert.equal(result.activeFaultsAfterInjection, 0, 'the injection left no fault');
    // the net trained in the compiled thread; it is stored only when it beat the naive baseline
    assert.equal(result.training.length, 1, JSON.stringify(result.training));
    const [trained] = result.training;
    assert.equal(trained?.model, 'database/latency_p99');
    assert.equal(trained?.error, null);
    assert.equal(typeof trained?.promoted, 'boolean');
    assert.equal(trained?.version, trained?.promoted ? 1 : null);
    t.diagnostic(
      `workflow bundle: ${result.bundle.bytes} bytes, ${result.bundle.modules} modules, zod ${result.bundle.zod ? 'included' : 'absent'}; consumer run ${result.ms} ms`,
    );
  });
});
