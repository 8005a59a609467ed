/* eslint-disable @typescript-eslint/no-require-imports -- lazy, synchronous loading: tsx's CommonJS hook serves require() of .ts files, not dynamic import() */
import type { Command } from 'commander';

type Register = (program: Command) => void;

/**
 * Every sub-command by name, loaded on demand: a command pulls in only its own dependencies
 * (the Temporal worker, brain.js, the agent), so `foreshock validate` starts in a fraction of
 * the time it would take to load them all.
 */
export const commandLoaders: Record<string, () => Register> = {
  validate: () => (require('./validate') as typeof import('./validate')).registerValidate,
  agent: () => (require('./agent') as typeof import('./agent')).registerAgent,
  predict: () => (require('./predict') as typeof import('./predict')).registerPredict,
  eval: () => (require('./eval') as typeof import('./eval')).registerEval,
  train: () => (require('./train') as typeof import('./train')).registerTrain,
  worker: () => (require('./worker') as typeof import('./worker')).registerWorker,
  schedule: () => (require('./schedule') as typeof import('./schedule')).registerSchedule,
  run: () => (require('./run') as typeof import('./run')).registerRun,
  halt: () => (require('./halt') as typeof import('./halt')).registerHalt,
  demo: () => (require('./demo') as typeof import('./demo')).registerDemo,
  backtest: () => (require('./backtest') as typeof import('./backtest')).registerBacktest,
  report: () => (require('./report') as typeof import('./report')).registerReport,
  'dev-server': () => (require('./dev-server') as typeof import('./dev-server')).registerDevServer,
  db: () => (require('./db') as typeof import('./db')).registerDb,
};
