/**
 * The demo's live terminal view, as a pure function of what the demo knows right now:
 * phase, ranked predictions with their why, active faults, guard status, rollbacks.
 */
import type { FailureScenario } from '../predict/types';

export interface GuardLight {
  resource: string;
  guard: string;
  red: boolean;
}

export interface ActiveFaultView {
  faultId: string;
  resource: string;
  mode: string;
  phase: string;
  leaseExpiresAt: string;
}

export interface ProgressState {
  nowMs: number;
  startedMs: number;
  cycle: number;
  /** Of N in bounded mode. */
  cycles?: number;
  phase: string;
  temporalUi?: string;
  prometheus?: string;
  topScenarios: FailureScenario[];
  model?: string;
  activeFaults: ActiveFaultView[];
  guards: GuardLight[];
  injections: number;
  rollbacks: number;
  breaches: number;
  load: { ok: number; failed: number };
  lastEvents: string[];
}

const pct = (p: number) => `${(p * 100).toFixed(0).padStart(3)}%`;
const trim = (text: string, width: number) => (text.length > width ? text.slice(0, width - 1) + '…' : text);

export function renderProgress(s: ProgressState, width = 100): string {
  const elapsed = Math.round((s.nowMs - s.startedMs) / 1000);
  const lines = [
    `foreshock demo · ${elapsed}s · cycle ${s.cycle}${s.cycles ? `/${s.cycles}` : ''} · phase: ${s.phase}`,
    ...(s.temporalUi ? [`Temporal Web UI: ${s.temporalUi}`] : []),
    ...(s.prometheus ? [`Prometheus:      ${s.prometheus}`] : []),
    `load: ${s.load.ok} ok, ${s.load.failed} failed · injections ${s.injections} · rollbacks ${s.rollbacks} · guard breaches ${s.breaches}`,
    '',
    `predictions${s.model ? ` (${s.model})` : ''}:`,
    ...(s.topScenarios.length === 0
      ? ['  (none yet)']
      : s.topScenarios.map((sc, i) =>
          trim(
            `  ${i + 1}. ${pct(sc.probability)} ${sc.severity.padEnd(6)} ${sc.resource}:${sc.mode} — ${sc.why.text}`,
            width,
          ),
        )),
    '',
    'active faults:',
    ...(s.activeFaults.length === 0
      ? ['  (none)']
      : s.activeFaults.map((f) =>
          trim(
            `  ${f.resource}:${f.mode} ${f.phase} (lease until ${f.leaseExpiresAt.slice(11, 19)}) ${f.faultId}`,
            width,
          ),
        )),
    '',
    'guards: ' +
      (s.guards.length === 0
        ? '(none)'
        : s.guards.map((g) => `${g.resource}/${g.guard} ${g.red ? 'RED' : 'green'}`).join(' · ')),
    '',
    'recent:',
    ...(s.lastEvents.length === 0 ? ['  —'] : s.lastEvents.slice(-6).map((e) => trim(`  ${e}`, width))),
  ];
  return lines.join('\n');
}
