// Thousands of random mutations of the example config never crash the loader: each one
// yields a config, or a ConfigValidationError whose every problem has a real position.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { parse, stringify } from 'yaml';
import { ConfigValidationError, formatConfigError } from '../../../src/config/errors';
import { parseConfigText } from '../../../src/config/loader';

const EXAMPLE_FILE = path.join(__dirname, '..', '..', '..', 'config', 'foreshock.yaml');
const EXAMPLE_TEXT = readFileSync(EXAMPLE_FILE, 'utf8');
const EXAMPLE_TREE = parse(EXAMPLE_TEXT) as unknown;
const RUNS = Number(process.env.FORESHOCK_PROPERTY_RUNS ?? 2000);

type Tree = unknown;
type TreePath = (string | number)[];

function pathsOf(tree: Tree, prefix: TreePath = []): TreePath[] {
  const paths: TreePath[] = [prefix];
  if (Array.isArray(tree)) tree.forEach((item, i) => paths.push(...pathsOf(item, [...prefix, i])));
  else if (typeof tree === 'object' && tree !== null)
    for (const [key, value] of Object.entries(tree)) paths.push(...pathsOf(value, [...prefix, key]));
  return paths;
}

function parentAndKey(
  tree: Tree,
  at: TreePath,
): { parent: Record<string | number, unknown>; key: string | number } | undefined {
  if (at.length === 0) return undefined;
  let node = tree as Record<string | number, unknown>;
  for (const part of at.slice(0, -1)) node = node[part] as Record<string | number, unknown>;
  return { parent: node, key: at[at.length - 1]! };
}

type Mutation =
  | { kind: 'delete'; pick: number }
  | { kind: 'replace'; pick: number; value: unknown }
  | { kind: 'duplicate'; pick: number }
  | { kind: 'rename'; pick: number; name: string };

function applyMutation(tree: Tree, mutation: Mutation): Tree {
  const paths = pathsOf(tree);
  const at = paths[mutation.pick % paths.length]!;
  const slot = parentAndKey(tree, at);
  if (!slot) return mutation.kind === 'replace' ? mutation.value : tree;
  const { parent, key } = slot;
  switch (mutation.kind) {
    case 'delete':
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete parent[key];
      break;
    case 'replace':
      parent[key] = mutation.value;
      break;
    case 'duplicate':
      if (Array.isArray(parent)) parent.splice(key as number, 0, structuredClone(parent[key as number]));
      else parent[`${String(key)}_copy`] = structuredClone(parent[key]);
      break;
    case 'rename':
      if (!Array.isArray(parent)) {
        parent[mutation.name] = parent[key];
        delete parent[key];
      }
      break;
  }
  return tree;
}

const interestingValue = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.string({ maxLength: 12 }),
  fc.integer(),
  fc.double(),
  fc.constantFrom(
    '',
    '0',
    '-1s',
    '1h',
    '0 * * * *',
    '127.0.0.1:0',
    'network_latency',
    'http://x',
    null,
    true,
  ),
);

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('delete' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('replace' as const), pick: fc.nat(), value: interestingValue }),
  fc.record({ kind: fc.constant('duplicate' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('rename' as const), pick: fc.nat(), name: fc.string({ maxLength: 8 }) }),
);

const textEdit = fc.record({
  at: fc.nat(),
  remove: fc.nat({ max: 8 }),
  insert: fc.oneof(
    fc.string({ maxLength: 6 }),
    fc.constantFrom(':', '- ', '\n  ', '{', ']', '&a ', '*a', '"', '\t', '? ', '!!int '),
  ),
});

const document = fc.oneof(
  // structural mutations, written back as block YAML or as JSON (also YAML, and cheaper to write)
  fc.tuple(fc.array(mutation, { minLength: 1, maxLength: 4 }), fc.boolean()).map(([mutations, asJson]) => {
    let tree = structuredClone(EXAMPLE_TREE);
    for (const m of mutations) tree = applyMutation(tree, m);
    return asJson ? (JSON.stringify(tree, null, 2) ?? 'null') : stringify(tree, { lineWidth: 0 });
  }),
  // raw text corruption of the commented original
  fc.array(textEdit, { minLength: 1, maxLength: 3 }).map((edits) => {
    let text = EXAMPLE_TEXT;
    for (const edit of edits) {
      const at = edit.at % (text.length + 1);
      text = text.slice(0, at) + edit.insert + text.slice(at + edit.remove);
    }
    return text;
  }),
);

describe('config loader property', () => {
  it(`never throws anything but positioned ConfigValidationErrors (${RUNS} mutations)`, async (t) => {
    const processWarnings: string[] = [];
    const onWarning = (warning: Error) => processWarnings.push(warning.message);
    process.on('warning', onWarning);
    t.after(() => process.off('warning', onWarning));
    let valid = 0;
    let invalid = 0;
    fc.assert(
      fc.property(document, (text) => {
        const lineCount = text.split('\n').length;
        try {
          parseConfigText(text, 'mutant.yaml', { env: {}, fileExists: () => true });
          valid++;
        } catch (err) {
          if (!(err instanceof ConfigValidationError)) throw err;
          invalid++;
          assert.ok(err.errors.length > 0, 'an invalid config names at least one problem');
          for (const problem of [...err.errors, ...err.warnings]) {
            assert.ok(
              Number.isInteger(problem.line) && problem.line >= 1 && problem.line <= lineCount + 1,
              formatConfigError(problem),
            );
            assert.ok(Number.isInteger(problem.col) && problem.col >= 1, formatConfigError(problem));
            assert.ok(problem.message.length > 0);
            assert.match(formatConfigError(problem), /^mutant\.yaml:\d+:\d+: /);
          }
        }
      }),
      { numRuns: RUNS },
    );
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(processWarnings, [], 'nothing printed behind the error list');
    // Both outcomes must really occur, or the property proves little.
    assert.ok(valid > RUNS / 50, `valid mutants: ${valid}`);
    assert.ok(invalid > RUNS / 5, `invalid mutants: ${invalid}`);
  });

  it('the example configs load: no errors, no warnings where their variables are set', () => {
    const loaded = parseConfigText(EXAMPLE_TEXT, EXAMPLE_FILE, { env: {} });
    assert.deepEqual(loaded.warnings, []);
    assert.deepEqual(
      loaded.config.resources.map((r) => r.name),
      ['web', 'api', 'orders-db'],
    );
    const examplesDir = path.join(path.dirname(EXAMPLE_FILE), 'examples');
    const examples = readdirSync(examplesDir).filter((f) => f.endsWith('.yaml'));
    assert.ok(examples.length >= 2);
    for (const name of examples) {
      const file = path.join(examplesDir, name);
      const env = { TEMPORAL_CLOUD_API_KEY: 'set' };
      assert.deepEqual(parseConfigText(readFileSync(file, 'utf8'), file, { env }).warnings, [], name);
    }
  });
});
