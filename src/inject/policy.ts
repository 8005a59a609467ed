/**
 * What the config allows, enforced at the agent (a worker, a script or a stolen token gets no
 * more): per resource type, the modes `resource_failure_modes` lists and parameters no stronger
 * than its `injection_parameters` scaled to the strongest severity; and one budget per host
 * (CPU share, memory, disk) across all active faults, so several faults cannot add up to more
 * than the host can spare.
 */
import os from 'node:os';
import type { FailureMode } from '../config/fault-params';
import type { ForeshockConfig, ResourceConfig } from '../config/schema';
import { FaultConflictError, UnsafeTargetError } from './errors';
import { MAX_SEVERITY_FACTOR, strengthOf, strongestAllowed } from '../workflows/severity';

export type FailureModesConfig = ForeshockConfig['resource_failure_modes'];

/** Refuses a mode the resource's type does not list, or a parameter past its configured strength. */
export function checkAllowed(
  resource: ResourceConfig,
  mode: FailureMode,
  params: Record<string, unknown>,
  failureModes: FailureModesConfig | undefined,
): void {
  const entry = failureModes?.find((m) => m.resource_type === resource.type);
  if (!entry) return;
  if (!entry.failure_modes.includes(mode)) {
    throw new UnsafeTargetError(
      `resource_failure_modes allows ${mode} on no resource of type ${resource.type}`,
      'mode',
      entry.failure_modes.join(' | '),
    );
  }
  const configured = (entry.injection_parameters as Record<string, Record<string, unknown> | undefined>)[
    mode
  ];
  if (!configured) return;
  for (const [key, value] of Object.entries(params)) {
    const limit = configured[key];
    const strength = strengthOf(mode, key);
    if (typeof value !== 'number' || typeof limit !== 'number' || !strength) continue;
    const bounded = strongestAllowed(strength, limit);
    if (strength.stronger === 'larger' && value > bounded) {
      throw new UnsafeTargetError(
        `params.${key} ${value} is stronger than the config allows for ${resource.type}`,
        `params.${key}`,
        `≤ ${bounded} (${MAX_SEVERITY_FACTOR} × injection_parameters.${mode}.${key})`,
      );
    }
    if (strength.stronger === 'smaller' && value < bounded) {
      throw new UnsafeTargetError(
        `params.${key} ${value} is stronger than the config allows for ${resource.type}`,
        `params.${key}`,
        `≥ ${bounded} (injection_parameters.${mode}.${key} / ${MAX_SEVERITY_FACTOR})`,
      );
    }
  }
}

export interface HostBudgetLimits {
  /** @default all cores but half of one, in percent of one core */
  cpuPercent?: number;
  /** @default half of the host's memory */
  memory?: number;
  /** @default no limit beyond each fill's keep_free */
  disk?: number;
}

type Resource = 'cpuPercent' | 'memory' | 'disk';
const MEMORY_SLACK_BYTES = 64 * 1024 ** 2;

/** What a fault would take from the host, by its params. */
function demandOf(
  mode: FailureMode,
  params: Record<string, unknown>,
): { kind: Resource; amount: number; field: string } | undefined {
  const n = (key: string) => (typeof params[key] === 'number' ? params[key] : 0);
  switch (mode) {
    case 'cpu_stress':
      return { kind: 'cpuPercent', amount: n('workers') * n('load'), field: 'params.workers' };
    case 'memory_pressure':
      return { kind: 'memory', amount: n('size') + MEMORY_SLACK_BYTES, field: 'params.size' };
    case 'disk_fill':
      return { kind: 'disk', amount: n('size'), field: 'params.size' };
    default:
      return undefined;
  }
}

export class HostBudget {
  private readonly limits: Record<Resource, number>;
  private readonly held = new Map<string, { kind: Resource; amount: number }>();

  constructor(limits: HostBudgetLimits = {}) {
    this.limits = {
      cpuPercent: limits.cpuPercent ?? Math.max(50, (os.availableParallelism() - 0.5) * 100),
      memory: limits.memory ?? Math.floor(os.totalmem() / 2),
      disk: limits.disk ?? Number.POSITIVE_INFINITY,
    };
  }

  inUse(kind: Resource): number {
    let sum = 0;
    for (const h of this.held.values()) if (h.kind === kind) sum += h.amount;
    return sum;
  }

  /** Takes the fault's share of the budget, or refuses naming the parameter (409). */
  reserve(faultId: string, mode: FailureMode, params: Record<string, unknown>): void {
    const demand = demandOf(mode, params);
    if (!demand) return;
    const used = this.inUse(demand.kind);
    const limit = this.limits[demand.kind];
    if (used + demand.amount > limit) {
      throw new FaultConflictError(
        `${mode} would take ${demand.amount} of the host's ${demand.kind} budget (${used} of ${limit} in use)`,
        demand.field,
        `at most ${Math.max(0, limit - used)} more (agent.budget.${demand.kind})`,
      );
    }
    this.held.set(faultId, { kind: demand.kind, amount: demand.amount });
  }

  release(faultId: string): void {
    this.held.delete(faultId);
  }
}
