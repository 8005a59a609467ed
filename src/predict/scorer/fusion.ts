/**
 * Fusing the streams' p-values into one. Each returns the fused evidence as surprise digits,
 * −log10(p), so tiny p-values keep their order instead of all rounding to 1 − p = 1.
 *
 *   fisher:     −2 Σ ln pᵢ against χ² with 2k degrees of freedom (strongest when several streams
 *               agree; optimistic when they are correlated, which one global threshold absorbs);
 *   cauchy:     Liu & Xie's Cauchy combination, mean of tan((½ − pᵢ)π); valid under any
 *               dependence between the streams, driven by the smallest p-values;
 *   bonferroni: k · min pᵢ (min-p with correction; one stream alone can raise an alarm);
 *   omnibus:    the better of Fisher and Bonferroni, itself Bonferroni-corrected (× 2): a change
 *               that several streams see a little and one that a single stream sees strongly
 *               both get through, and neither test's blind spot decides.
 */

export type FusionRule = 'fisher' | 'cauchy' | 'bonferroni' | 'omnibus';
export const FUSION_RULES: readonly FusionRule[] = ['fisher', 'cauchy', 'bonferroni', 'omnibus'];

const LN10 = Math.log(10);
const LOG10_2 = Math.log10(2);

/** −log10 of P(χ²₂ₖ ≥ x): e^(−x/2) Σ_{j<k} (x/2)^j / j!, in logs. */
function fisherDigits(ps: ArrayLike<number>): number {
  let half = 0;
  for (let i = 0; i < ps.length; i++) half -= Math.log(ps[i] as number);
  let term = 1;
  let sum = 1;
  for (let j = 1; j < ps.length; j++) {
    term *= half / j;
    sum += term;
  }
  return Math.max(0, (half - Math.log(sum)) / LN10);
}

function cauchyDigits(ps: ArrayLike<number>): number {
  let t = 0;
  for (let i = 0; i < ps.length; i++) {
    const p = ps[i] as number;
    t += p < 1e-15 ? 1 / (p * Math.PI) : Math.tan((0.5 - p) * Math.PI);
  }
  t /= ps.length;
  const p = t > 1e7 ? 1 / (t * Math.PI) : 0.5 - Math.atan(t) / Math.PI;
  return Math.max(0, -Math.log10(Math.max(p, 1e-300)));
}

function bonferroniDigits(ps: ArrayLike<number>): number {
  let min = 1;
  for (let i = 0; i < ps.length; i++) min = Math.min(min, ps[i] as number);
  return Math.max(0, -Math.log10(Math.min(1, min * ps.length)));
}

/** Fused surprise digits of the given p-values (0 when there are none). */
export function fuse(rule: FusionRule, ps: ArrayLike<number>): number {
  if (ps.length === 0) return 0;
  if (rule === 'fisher') return fisherDigits(ps);
  if (rule === 'cauchy') return cauchyDigits(ps);
  if (rule === 'omnibus') return Math.max(0, Math.max(fisherDigits(ps), bonferroniDigits(ps)) - LOG10_2);
  return bonferroniDigits(ps);
}
