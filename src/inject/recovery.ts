/**
 * Journal recovery: on start the agent undoes what the journal shows as still applied (the
 * agent that applied it died). The journal is root power, so each record is checked first:
 * its signature (journal.ts), a resource declared for this agent, a mode possible on it, and a
 * detail that names only this agent's own cgroups, fill files and processes. A record that
 * fails a check is refused: reported, closed in the journal, never carried out.
 */
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { FailureMode } from '../config/fault-params';
import type { ResourceConfig } from '../config/schema';
import { RecoveryRefusedError } from './errors';
import { faultType, type HostServices } from './faults/index';
import type { Journal, JournalRecord, RejectedLine } from './journal';
import { cmdlineOf } from './pids';
import { isSameProcess } from './proc';
import { possibleModes } from './validation';

export interface RecoveryOutcome {
  id: string;
  kind: string;
  resource: string;
  /** true: undone; false: failed or refused. */
  ok: boolean;
  /** Why the record was not carried out (it names something that is not this agent's). */
  refused?: string;
  /** The record came from an older agent's unsigned journal (checked against the config all the same). */
  migrated?: true;
}

export interface RecoveryReport {
  outcomes: RecoveryOutcome[];
  /** Journal lines whose signature or form did not verify (set aside in journal.rejected). */
  rejectedLines: RejectedLine[];
}

export async function recoverFromJournal(
  journal: Journal,
  resources: ReadonlyMap<string, ResourceConfig>,
  host: HostServices,
  log: (line: string) => void,
): Promise<RecoveryReport> {
  const legacy = journal.legacy;
  if (legacy) {
    log(
      `journal: took over ${legacy.migrated} open record(s) of an older agent's journal (kept as journal.legacy)`,
    );
  }
  const rejected = [...(legacy?.rejected ?? []), ...journal.read().rejected];
  for (const r of rejected)
    log(
      `journal ${r.file ?? 'journal.jsonl'} line ${r.line} not trusted (${r.reason}); set aside, not carried out`,
    );
  const outcomes: RecoveryOutcome[] = [];
  for (const record of journal.outstanding().reverse()) {
    const outcome: RecoveryOutcome = {
      id: record.id,
      kind: record.kind,
      resource: record.resource,
      ok: true,
      ...(record.migrated ? { migrated: true as const } : {}),
    };
    try {
      await undo(record, resources, host);
      journal.recordRevert(record.id, record.kind, record.resource);
      log(`journal recovery: undid ${record.kind} ${record.id}`);
    } catch (err) {
      outcome.ok = false;
      if (err instanceof RecoveryRefusedError) {
        outcome.refused = err.message;
        log(`journal recovery: REFUSED ${record.kind} ${record.id}: ${err.message}`);
        try {
          journal.recordRefused(record, err.message);
        } catch (writeErr) {
          log(`journal recovery: could not record the refusal: ${(writeErr as Error).message}`);
        }
      } else {
        log(`journal recovery: could not undo ${record.kind} ${record.id}: ${(err as Error).message}`);
      }
    }
    outcomes.push(outcome);
  }
  journal.compact();
  return { outcomes, rejectedLines: rejected.filter((r) => r.reason !== 'torn last line') };
}

async function undo(
  record: JournalRecord,
  resources: ReadonlyMap<string, ResourceConfig>,
  host: HostServices,
): Promise<void> {
  const resource = resources.get(record.resource);
  if (!resource) {
    throw new RecoveryRefusedError(
      `resource ${record.resource} is not declared for this agent`,
      'journal.resource',
    );
  }
  if (record.kind === 'supervised_process') return stopOrphan(record.detail, resource);
  // A failover lives in the proxy, which starts on its primary: nothing is left to undo.
  if (record.kind === 'failover') {
    if (!resource.proxy?.failover)
      throw new RecoveryRefusedError(`${resource.name} declares no failover`, 'journal.kind');
    return;
  }
  const type = faultType(record.kind as FailureMode);
  if (!type || !possibleModes(resource).includes(record.kind as FailureMode)) {
    throw new RecoveryRefusedError(
      `${record.kind} is not a fault possible on ${resource.name}`,
      'journal.kind',
    );
  }
  await type.recover?.(record.detail, host, { faultId: record.id, resource });
}

/**
 * A process a previous agent started and left behind: stopped only when the resource declares
 * that command, and the pid is still that very process (start time) running that command.
 */
function stopOrphan(detail: Record<string, unknown>, resource: ResourceConfig): void {
  const command = resource.process?.command;
  if (!command)
    throw new RecoveryRefusedError(`${resource.name} declares no process.command`, 'journal.kind');
  const argv = detail.command;
  const asDeclared =
    isDeepStrictEqual(argv, command) ||
    (Array.isArray(argv) &&
      path.basename(String(argv[0])) === 'fiu-run' &&
      argv[1] === '-x' &&
      isDeepStrictEqual(argv.slice(2), command));
  if (!asDeclared) {
    throw new RecoveryRefusedError(
      `the journal names a command ${resource.name} does not declare`,
      'journal.detail.command',
    );
  }
  const pid = Number(detail.pid);
  const startTime = Number(detail.startTime);
  if (!Number.isInteger(pid) || pid <= 1)
    throw new RecoveryRefusedError(`bad pid ${String(detail.pid)}`, 'journal.detail.pid');
  if (!isSameProcess(pid, startTime)) return;
  const running = cmdlineOf(pid);
  if (!isDeepStrictEqual(running, command) && !isDeepStrictEqual(running, argv)) {
    throw new RecoveryRefusedError(
      `pid ${pid} runs ${JSON.stringify(running)}, not ${resource.name}'s command`,
      'journal.detail.pid',
    );
  }
  process.kill(pid, 'SIGCONT');
  process.kill(pid, 'SIGKILL');
}
