/**
 * Messages of the foreshock workflows, defined once and shared by workflows and clients.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { AbortAck, AbortRequest, InjectionStatus } from './types';
import type { CycleStatus } from './cycle-types';

/** Stops an injection now: the fault is rolled back and the outcome recorded. The request is optional (`temporal workflow update execute --name abort` sends none). */
export const abortUpdate = defineUpdate<AbortAck, [AbortRequest]>('abort');
/** Where an injection stands: phase, fault, breaches, decisions so far. */
export const statusQuery = defineQuery<InjectionStatus>('status');
/** Where a chaos cycle stands. */
export const cycleStatusQuery = defineQuery<CycleStatus>('cycleStatus');

/** Search attributes the Web UI lists and filters injections by (registered on the server). */
export const SEARCH_ATTRIBUTE_NAMES = {
  resource: 'ForeshockResource',
  mode: 'ForeshockMode',
  severity: 'ForeshockSeverity',
  outcome: 'ForeshockOutcome',
} as const;

/**
 * Workflow task timeout for foreshock's workflows: a worker that dies holding a workflow task
 * delays the saga by this much (the server default is 10 s).
 */
export const WORKFLOW_TASK_TIMEOUT = '3s';

/** The foreshock workflow types, by name (clients start them by name too). */
export const WORKFLOW_TYPES = {
  injection: 'injectionWorkflow',
  cycle: 'chaosCycle',
  training: 'forecasterTraining',
} as const;
