// Hand-made report inputs shared by the report's unit and browser tests.
import type { FailureScenario, PredictionResult } from '../../../src/predict/types';
import type { OutcomeRecord } from '../../../src/report/types';

export function scenario(overrides: Partial<FailureScenario> = {}): FailureScenario {
  return {
    id: 'orders-db:network_latency',
    resource: 'orders-db',
    resourceType: 'database',
    mode: 'network_latency',
    probability: 0.62,
    impact: 2,
    score: 1.24,
    severity: 'high',
    params: { latency: 200, jitter: 50 },
    durationMs: 20_000,
    rollback: { policy: 'immediate', plan: 'remove the latency toxic' },
    why: {
      signal: 'latency_p99',
      forecast: 'p99 latency 40ms → 310ms in 5m (threshold 300ms)',
      probability: 0.62,
      history: '1 incident in 30d',
      text: 'query latency is climbing as the orders table grows <fast>',
    },
    ...overrides,
  };
}

export function prediction(at: number, scenarios: FailureScenario[]): PredictionResult {
  return { generatedAt: at, horizonMs: 300_000, model: { kind: 'trend' }, scenarios };
}

export function outcome(
  startMs: number,
  endMs: number,
  overrides: Partial<OutcomeRecord> = {},
): OutcomeRecord {
  return {
    resource: 'orders-db',
    resourceType: 'database',
    mode: 'network_latency',
    startedAt: new Date(startMs).toISOString(),
    endedAt: new Date(endMs).toISOString(),
    breached: false,
    breaches: [],
    rollbackPath: 'duration_end',
    dryRun: false,
    faultId: `fault-${startMs}`,
    workflowId: `injection-${startMs}`,
    verified: true,
    ...overrides,
  };
}
