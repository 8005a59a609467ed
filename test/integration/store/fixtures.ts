import type { CalibrationRecord, InjectionOutcome, ModelRecord } from '../../../src/store';

export function outcome(
  n: number,
  endedAtMs: number,
  over: Partial<InjectionOutcome> = {},
): InjectionOutcome {
  return {
    resource: `svc-${n % 3}`,
    resourceType: 'api',
    mode: 'network_latency',
    startedAt: new Date(endedAtMs - 60_000).toISOString(),
    endedAt: new Date(endedAtMs).toISOString(),
    breached: n % 2 === 0,
    breaches: [],
    rollbackPath: 'duration_end',
    dryRun: false,
    faultId: `fault-${n}`,
    workflowId: `wf-${n}`,
    ...over,
  };
}

export function model(resourceType: string, signal: string, loss: number): Omit<ModelRecord, 'version'> {
  return {
    format: 1,
    kind: 'lstm',
    resourceType,
    signal,
    createdAt: Date.now(),
    window: { fromMs: 0, toMs: 1, stepMs: 1, series: 1, sequences: 1 },
    inputSteps: 8,
    horizonSteps: 4,
    loss,
    trainMs: 1,
    evaluation: { mae: loss, naiveMae: 1, candidates: [] },
    residualStd: 0.1,
    net: { type: 'LSTMTimeStep', layers: [loss] } as never,
  };
}

/** A calibration record that maps every raw chance to `to` (a flat map over two points). */
export function calibration(to: number, samples = 40): CalibrationRecord {
  return {
    status: 'calibrated',
    map: {
      points: [
        [0, to],
        [1, to],
      ],
      samples,
    },
    samples,
    positives: 6,
    rawBrier: 0.2,
    baseRate: 6 / samples,
  };
}
