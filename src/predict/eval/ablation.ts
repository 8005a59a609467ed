/**
 * Ablation: the LOFO score of the given settings with each stream switched off in turn, and with
 * each cheap stream that is off (Holt forecast error, level) switched on, beside the full set
 * (only the threshold is chosen out-of-fold here; the settings are held fixed). The neural
 * stream is added only on request (`--neural`), it costs a GRU fit per file.
 */
import { STREAM_NAMES, type ScorerSettings, type StreamName } from '../scorer/settings';
import type { NabFile } from './nab-data';
import { gridScores, lofoReport } from './lofo';

/** Streams that are cheap enough to try switched on in every ablation. */
export const ADDABLE_STREAMS: readonly StreamName[] = ['forecast', 'level'];

export interface AblationRow {
  /** `none` = the settings as given; otherwise the stream switched off. */
  without: StreamName | 'none';
  /** The stream switched on, when this row adds one (then `without` is `none`). */
  with?: StreamName;
  streams: StreamName[];
  lofoMean: number;
  worst: number;
  pooled: number;
  inSample: number;
  lowFpMean: number;
  lowFnMean: number;
  seconds: number;
}

export function ablation(files: readonly NabFile[], settings: ScorerSettings): AblationRow[] {
  const enabled = STREAM_NAMES.filter((n) => settings.streams[n]);
  const variants: { without: StreamName | 'none'; with?: StreamName; settings: ScorerSettings }[] = [
    { without: 'none', settings },
    ...enabled.map((n) => ({
      without: n,
      settings: { ...settings, streams: { ...settings.streams, [n]: false } },
    })),
    ...ADDABLE_STREAMS.filter((n) => !settings.streams[n]).map((n) => ({
      without: 'none' as const,
      with: n,
      settings: { ...settings, streams: { ...settings.streams, [n]: true } },
    })),
  ];
  return variants.map((v) => {
    const started = performance.now();
    const [scores] = gridScores(files, [v.settings]);
    const report = lofoReport(files, [scores ?? []]);
    const st = report.profiles.standard;
    return {
      without: v.without,
      ...(v.with ? { with: v.with } : {}),
      streams: STREAM_NAMES.filter((n) => v.settings.streams[n]),
      lofoMean: st.mean,
      worst: st.worst,
      pooled: st.pooled,
      inSample: st.inSample,
      lowFpMean: report.profiles.reward_low_FP_rate.mean,
      lowFnMean: report.profiles.reward_low_FN_rate.mean,
      seconds: (performance.now() - started) / 1000,
    };
  });
}
