/**
 * Ablation: the LOFO score of the given settings with each stream switched off in turn (only
 * the threshold is chosen out-of-fold here; the settings are held fixed), beside the full set.
 */
import { STREAM_NAMES, type ScorerSettings, type StreamName } from '../scorer/settings';
import type { NabFile } from './nab-data';
import { gridScores, lofoReport } from './lofo';

export interface AblationRow {
  /** `all` = every enabled stream; otherwise the stream switched off. */
  without: StreamName | 'none';
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
  const variants: { without: StreamName | 'none'; settings: ScorerSettings }[] = [
    { without: 'none', settings },
    ...enabled.map((n) => ({
      without: n,
      settings: { ...settings, streams: { ...settings.streams, [n]: false } },
    })),
  ];
  return variants.map((v) => {
    const started = performance.now();
    const [scores] = gridScores(files, [v.settings]);
    const report = lofoReport(files, [scores ?? []]);
    const st = report.profiles.standard;
    return {
      without: v.without,
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
