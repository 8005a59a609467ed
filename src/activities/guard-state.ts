/**
 * Prometheus `for:` semantics for guards, as a pure state machine: a guard counts as
 * breached once it has been red (its PromQL returned samples) for at least `forMs`
 * without a green check in between. The state is plain JSON so it rides in heartbeat
 * details and a retried watch resumes the same streaks.
 */
import type { GuardBreach, GuardSpec } from '../workflows/types';

export interface GuardReading {
  guard: string;
  /** undefined when the query failed: the streak is kept, neither extended nor reset. */
  red: boolean | undefined;
  value?: number;
}

/** guard name → Unix ms its current red streak began. */
export type RedStreaks = Record<string, number>;

export interface GuardObservation {
  streaks: RedStreaks;
  /** Guards whose streak has reached `for` at this check. */
  breaches: GuardBreach[];
}

export function observeGuards(
  guards: GuardSpec[],
  streaks: RedStreaks,
  readings: GuardReading[],
  nowMs: number,
): GuardObservation {
  const next: RedStreaks = { ...streaks };
  const breaches: GuardBreach[] = [];
  for (const guard of guards) {
    const reading = readings.find((r) => r.guard === guard.name);
    if (!reading || reading.red === undefined) continue;
    if (!reading.red) {
      delete next[guard.name];
      continue;
    }
    const redSince = next[guard.name] ?? nowMs;
    next[guard.name] = redSince;
    if (nowMs - redSince >= guard.forMs) {
      breaches.push({
        guard: guard.name,
        expr: guard.expr,
        redSince,
        breachedAt: nowMs,
        ...(reading.value !== undefined && Number.isFinite(reading.value) ? { value: reading.value } : {}),
      });
    }
  }
  return { streaks: next, breaches };
}
