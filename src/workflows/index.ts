/**
 * The workflow-safe entry (`foreshock/workflows`): re-export it from your worker's
 * workflows module so foreshock's workflows run on your worker.
 */
export { injectionWorkflow } from './injection';
export { chaosCycle } from './cycle';
export { forecasterTraining } from './training';
export * from './messages';
