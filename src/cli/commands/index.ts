import type { Command } from 'commander';
import { registerValidate } from './validate';
import { registerAgent } from './agent';
import { registerPredict } from './predict';
import { registerEval } from './eval';
import { registerTrain } from './train';
import { registerWorker } from './worker';
import { registerSchedule } from './schedule';
import { registerRun } from './run';
import { registerHalt } from './halt';
import { registerDemo } from './demo';
import { registerReport } from './report';
import { registerDevServer } from './dev-server';

export const commandModules: ((program: Command) => void)[] = [
  registerValidate,
  registerAgent,
  registerPredict,
  registerEval,
  registerTrain,
  registerWorker,
  registerSchedule,
  registerRun,
  registerHalt,
  registerDemo,
  registerReport,
  registerDevServer,
];
