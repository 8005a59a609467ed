import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ScheduleOverlapPolicy } from '@temporalio/client';
import { configSchema } from '../../../src/config/schema';
import { frequencySpec, scheduleDefinitions } from '../../../src/client/schedules';

function config(profile: Record<string, unknown>) {
  return configSchema.parse({
    prometheus: { url: 'http://127.0.0.1:9090' },
    resources: [{ name: 'a', type: 'database' }],
    failure_injection_profile: { injection_frequency: '1h', ...profile },
  });
}

describe('schedule definitions', () => {
  it('turns injection_frequency into an interval or a cron spec', () => {
    assert.deepEqual(frequencySpec('90m'), { intervals: [{ every: 5_400_000 }] });
    assert.deepEqual(frequencySpec('*/15 * * * *'), { cronExpressions: ['*/15 * * * *'] });
    assert.throws(() => frequencySpec('every tuesday'), /injection_frequency/);
  });

  it('skips overlaps, sets the catch-up window, carries a config reference and pauses a disabled profile', () => {
    const defs = scheduleDefinitions(config({ catchup_window: '5m', enabled: false }), 'q', {
      configPath: 'f.yaml',
    });
    assert.equal(defs.cycle.policies?.overlap, ScheduleOverlapPolicy.SKIP);
    assert.equal(defs.cycle.policies?.catchupWindow, 300_000);
    assert.equal(defs.cycle.state?.paused, true);
    assert.equal(defs.cycle.action.workflowType, 'chaosCycle');
    assert.deepEqual(defs.cycle.action.args, [{ configPath: 'f.yaml' }], 'a reference, not the config');
    const inline = scheduleDefinitions(config({}), 'q').cycle.action.args as [
      { config: { resources: unknown[] } },
    ];
    assert.equal(inline[0].config.resources.length, 1, 'inline only when no path is known');
    assert.equal(defs.training.action.workflowType, 'forecasterTraining');
    assert.deepEqual(defs.training.action.args, [{ configPath: 'f.yaml', reason: 'scheduled' }]);
    assert.notEqual(defs.cycle.scheduleId, defs.training.scheduleId);
    assert.ok(defs.cycle.scheduleId.startsWith('foreshock-'));
  });
});
