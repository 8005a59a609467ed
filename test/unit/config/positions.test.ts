// Every problem is reported at the exact line and column of the YAML node it is about.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatConfigError, formatPath } from '../../../src/config/errors';
import { parseConfigText } from '../../../src/config/loader';
import { FILE, minimal, problems, where } from './helpers';

describe('config positions', () => {
  it('formats paths with indices and quoted odd keys', () => {
    assert.equal(formatPath(['resources', 0, 'proxy', 'listen']), 'resources[0].proxy.listen');
    assert.equal(formatPath(['a', 'b c', 2]), 'a["b c"][2]');
    assert.equal(formatPath([]), '');
  });

  it('points at the value of a bad field', () => {
    const text = [
      'prometheus:',
      '  url: http://127.0.0.1:9090',
      '  timeout: soon', // line 3, value at col 12
      'failure_injection_profile:',
      '  injection_frequency: 1h',
      'resources:',
      '  - name: db',
      '    type: database',
      '    proxy: { listen: "127.0.0.1:99999", upstream: 127.0.0.1:5432 }', // line 9
    ].join('\n');
    const { errors } = problems(text);
    assert.deepEqual(where(errors), ['3:12 prometheus.timeout', '9:22 resources[0].proxy.listen']);
    assert.equal(errors[0]!.expected, 'a duration such as 200ms, 5s, 2m or 1h');
    assert.match(errors[1]!.message, /port must be at most 65535/);
  });

  it('points at the parent map for a missing key, and at the key for an unknown one', () => {
    const text = [
      'prometheus:',
      '  url: http://127.0.0.1:9090',
      'failure_injection_profile:',
      '  injection_frequncy: 1h', // line 4: typo → unknown key here, missing key at the map
      'resources:',
      '  - name: db',
      '    type: database',
    ].join('\n');
    const { errors } = problems(text);
    assert.deepEqual(where(errors), [
      '4:3 failure_injection_profile.injection_frequency',
      '4:3 failure_injection_profile.injection_frequncy',
    ]);
    const unknown = errors.find((e) => e.path.endsWith('frequncy'))!;
    assert.match(unknown.message, /unknown key "injection_frequncy" \(did you mean injection_frequency\?\)/);
    assert.match(unknown.expected!, /one of enabled, injection_frequency,/);
    const missing = errors.find((e) => e.path.endsWith('frequency'))!;
    assert.equal(missing.message, 'required but missing');
  });

  it('points at the document start for a missing top-level section', () => {
    const { errors } = problems('\n\nresources: []\n');
    assert.deepEqual(where(errors), ['3:1 failure_injection_profile', '3:1 prometheus', '3:12 resources']);
  });

  it('reports YAML syntax errors with their position and nothing else', () => {
    const { errors } = problems('prometheus:\n  url: [unclosed\nresources: 1\n');
    assert.ok(errors.length >= 1);
    for (const error of errors) {
      assert.match(error.message, /^YAML: /);
      assert.ok(error.line >= 2, `line ${error.line}`);
    }
  });

  it('reports duplicate YAML keys at the second key', () => {
    const { errors } = problems('prometheus:\n  url: http://a:1\n  url: http://b:2\n');
    assert.equal(errors.length, 1);
    assert.deepEqual([errors[0]!.line, errors[0]!.col], [3, 3]);
    assert.match(errors[0]!.message, /YAML: .*unique/i);
  });

  it('rejects list or map keys at their position, without warnings on stderr', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.message);
    process.on('warning', onWarning);
    try {
      const { errors } = problems('prometheus:\n  ? [a, b]\n  : 1\n');
      assert.deepEqual(where(errors), ['2:5 ']);
      assert.match(errors[0]!.message, /map key must be a plain value/);
      // a mapping key that is a map itself, deeper down, where toJS would warn
      assert.equal(problems('resources:\n  - { ? { x: 1 } : 2 }\n').errors.length, 1);
      await new Promise((resolve) => setImmediate(resolve)); // process warnings are emitted later
    } finally {
      process.off('warning', onWarning);
    }
    assert.deepEqual(warnings, []);
  });

  it('treats an empty file and a non-map document as positioned errors', () => {
    assert.deepEqual(where(problems('').errors), [
      '1:1 failure_injection_profile',
      '1:1 prometheus',
      '1:1 resources',
    ]);
    const list = problems('- 1\n- 2\n').errors;
    assert.deepEqual(where(list), ['1:1 ']);
    assert.match(list[0]!.message, /wrong type: got a list/);
  });

  it('reports all problems at once, in file order, formatted file:line:col: path: message (expected …)', () => {
    const text = minimal(
      ['  - name: Bad_Name', '    type: db', '    impact: 11', '    guards: [{ name: g, expr: "" }]'].join(
        '\n',
      ),
      '',
      'extra_section: true',
    );
    const { errors } = problems(text);
    assert.deepEqual(where(errors), [
      '6:11 resources[0].name',
      '8:13 resources[0].impact',
      '9:31 resources[0].guards[0].expr',
      '10:1 extra_section',
    ]);
    assert.equal(
      formatConfigError(errors[1]!),
      `${FILE}:8:13: resources[0].impact: too big: got 11 (expected at most 10)`,
    );
  });

  it('positions parameter bounds inside flow maps', () => {
    const text = minimal(
      '  - name: db\n    type: database\n    proxy: { listen: 127.0.0.1:1000, upstream: 127.0.0.1:1001 }',
      '  - resource_type: database\n    failure_modes: [network_latency]\n    injection_parameters:\n      network_latency: { latency: 2m, duration: 30s }',
    );
    const { errors } = problems(text);
    assert.deepEqual(where(errors), [
      '13:35 resource_failure_modes[0].injection_parameters.network_latency.latency',
    ]);
    assert.match(errors[0]!.message, /must be between 1ms and 1m \(got 2m\)/);
    assert.equal(errors[0]!.expected, '1ms..1m');
  });

  it('follows aliases to the anchored node', () => {
    const text = minimal(
      [
        '  - name: a',
        '    type: database',
        '    proxy: &shared { listen: 127.0.0.1:1000, upstream: 127.0.0.1:1001 }', // line 8
        '  - name: b',
        '    type: database',
        '    proxy: *shared',
      ].join('\n'),
    );
    const { errors } = problems(text);
    assert.deepEqual(where(errors), ['8:30 resources[1].proxy.listen']);
    assert.match(errors[0]!.message, /clashes with resources\[0\]\.proxy\.listen/);
  });

  it('locate() gives positions of a loaded config for later checks', () => {
    const loaded = parseConfigText(minimal('  - name: db\n    type: database'), FILE, { env: {} });
    assert.deepEqual(loaded.locate(['resources', 0, 'type']), { line: 7, col: 11 });
    assert.deepEqual(loaded.locate(['resources', 0, 'type'], true), { line: 7, col: 5 });
    assert.deepEqual(loaded.locate(['resources', 0, 'nothing', 'here']), { line: 6, col: 5 });
  });
});
