// injection_frequency: a duration of at least 1s or a 5-field cron expression; durations in general.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseInjectionFrequency } from '../../../src/config/semantic';
import { parseDuration } from '../../../src/config/duration';
import { minimal, problems, where } from './helpers';

describe('injection_frequency and durations', () => {
  it('parses durations to milliseconds', () => {
    assert.equal(parseDuration('200ms'), 200);
    assert.equal(parseDuration('2m'), 120_000);
    assert.equal(parseDuration('1h30m'), 5_400_000);
    assert.equal(parseDuration('1.5s'), 1500);
    for (const bad of ['', '5', '5 m', 'm5', '1h 30m', '-1s', '5sec'])
      assert.equal(parseDuration(bad), undefined, bad);
  });

  it('accepts intervals of at least 1s and valid 5-field cron', () => {
    assert.deepEqual(parseInjectionFrequency('1h'), { kind: 'interval', ms: 3_600_000 });
    assert.deepEqual(parseInjectionFrequency('1s'), { kind: 'interval', ms: 1000 });
    assert.deepEqual(parseInjectionFrequency('0 */2 * * *'), { kind: 'cron', expression: '0 */2 * * *' });
    assert.deepEqual(parseInjectionFrequency(' 30 9 * * mon-fri '), {
      kind: 'cron',
      expression: '30 9 * * mon-fri',
    });
  });

  it('rejects short intervals, wrong field counts and bad cron fields', () => {
    const cases: [string, RegExp][] = [
      ['500ms', /below 1s/],
      ['hourly', /neither a duration nor a 5-field cron expression \(it has 1 field\)/],
      ['0 0 * * * *', /it has 6 fields/],
      ['61 * * * *', /invalid cron expression/],
      ['* * 32 * *', /invalid cron expression/],
      ['* * * * funday', /invalid cron expression/],
    ];
    for (const [text, pattern] of cases) {
      const result = parseInjectionFrequency(text);
      assert.ok('error' in result, text);
      assert.match(result.error, pattern, text);
    }
  });

  it('a bad frequency is reported at its value', () => {
    const text = minimal('  - name: db\n    type: database').replace(
      'injection_frequency: 1h',
      'injection_frequency: 99 * * * *',
    );
    const { errors } = problems(text);
    assert.deepEqual(where(errors), ['4:24 failure_injection_profile.injection_frequency']);
    assert.match(errors[0]!.expected!, /5-field cron/);
  });
});
