/**
 * Reads a foreshock config file: YAML with source positions → schema → semantic checks →
 * Temporal environment overrides. Every problem found is reported at once, each at the
 * `file:line:col` of the YAML node it is about; nothing is half-loaded.
 *
 *   text ─parseDocument─▶ YAML document ─toJS─▶ plain data ─configSchema─▶ ForeshockConfig
 *              │                                   │
 *              └──── positions for every path ◀────┴── zod issues + semantic issues
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  LineCounter,
  isMap,
  isScalar,
  isSeq,
  isAlias,
  isPair,
  parseDocument,
  visit,
  type Document,
  type Node,
} from 'yaml';
import type { z } from 'zod';
import { configSchema, type ForeshockConfig } from './schema';
import {
  ConfigValidationError,
  byPosition,
  formatPath,
  type ConfigError,
  type ConfigPath,
  type ConfigSeverity,
} from './errors';
import {
  checkPromQLExpressions,
  checkSemantics,
  configViewOf,
  closestName,
  unknownModeMessage,
} from './semantic';
import { applyTemporalEnv } from './temporal-env';
import type { PrometheusAdapter } from '../prometheus/adapter';

export interface Position {
  line: number;
  col: number;
}

export interface LoadedConfig {
  file: string;
  /** Validated, with defaults and the TEMPORAL_* overrides applied. */
  config: ForeshockConfig;
  warnings: ConfigError[];
  /** The document as written, before defaults. */
  raw: unknown;
  /** Where `path` is in the file (its value, or its key with `atKey`); the nearest parent when absent. */
  locate(path: ConfigPath, atKey?: boolean): Position;
}

export interface LoadOptions {
  /** Environment for TEMPORAL_* overrides and `apiKeyEnv` checks. @default process.env */
  env?: NodeJS.ProcessEnv;
  /** @default fs.existsSync (relative paths from the working directory) */
  fileExists?: (file: string) => boolean;
}

/** Reads and validates a config file; throws ConfigValidationError with every problem. */
export async function loadConfig(file: string, opts: LoadOptions = {}): Promise<LoadedConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const reason =
      (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (err as Error).message;
    throw new ConfigValidationError([{ file, line: 1, col: 1, path: '', message: `cannot read: ${reason}` }]);
  }
  return parseConfigText(text, file, opts);
}

const MAX_ALIAS_EXPANSION = 1000;

/** Validates config text; `fileName` is only used in messages. */
export function parseConfigText(text: string, fileName: string, opts: LoadOptions = {}): LoadedConfig {
  const env = opts.env ?? process.env;
  const lineCounter = new LineCounter();
  // logLevel 'error': problems the yaml package would only warn about are reported below.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, logLevel: 'error' });
  const locator = new NodeLocator(doc, lineCounter);
  const positioned = (issue: PathIssue): ConfigError => ({
    file: fileName,
    ...locator.locate(issue.path, issue.atKey),
    path: formatPath(issue.path),
    message: issue.message,
    ...(issue.expected === undefined ? {} : { expected: issue.expected }),
    severity: issue.severity ?? 'error',
  });

  if (doc.errors.length > 0) {
    throw new ConfigValidationError(
      doc.errors.map((e) => {
        const pos = e.linePos?.[0] ?? lineCounter.linePos(e.pos[0]);
        return {
          file: fileName,
          line: Math.max(1, pos.line),
          col: Math.max(1, pos.col),
          path: '',
          message: `YAML: ${firstLine(e.message)}`,
        };
      }),
    );
  }
  const complexKeys: ConfigError[] = [];
  visit(doc, {
    Pair(_, pair) {
      if (pair.key !== null && !isScalar(pair.key) && !isAlias(pair.key))
        complexKeys.push({
          file: fileName,
          ...(locator.positionOf(pair.key) ?? { line: 1, col: 1 }),
          path: '',
          message: 'YAML: a map key must be a plain value, not a list or map',
        });
    },
  });
  if (complexKeys.length > 0) throw new ConfigValidationError(complexKeys);
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: MAX_ALIAS_EXPANSION });
  } catch (err) {
    throw new ConfigValidationError([
      { file: fileName, line: 1, col: 1, path: '', message: `YAML: ${firstLine((err as Error).message)}` },
    ]);
  }

  const result = configSchema.safeParse(raw ?? {});
  const schemaErrors = result.success
    ? []
    : result.error.issues.flatMap((issue) => describeIssue(issue, raw));
  const schemaPaths = schemaErrors.map((e) => e.path);
  const semantic = checkSemantics(configViewOf(raw), {
    env,
    fileExists: opts.fileExists ?? ((f) => existsSync(path.resolve(f))),
  }).filter((issue) => !schemaPaths.some((p) => startsWith(issue.path, p)));

  const errors = [...schemaErrors, ...semantic.filter((i) => i.severity === 'error')].map(positioned);
  const warnings = semantic.filter((i) => i.severity === 'warning').map(positioned);

  let config: ForeshockConfig | undefined;
  if (result.success && errors.length === 0) {
    try {
      config = { ...result.data, temporal: applyTemporalEnv(result.data.temporal, env) };
    } catch (err) {
      errors.push(positioned({ path: ['temporal'], atKey: true, message: (err as Error).message }));
    }
  }
  if (!config || errors.length > 0) throw new ConfigValidationError(errors, warnings);
  return {
    file: fileName,
    config,
    warnings: warnings.sort(byPosition),
    raw,
    locate: (p, atKey) => locator.locate(p, atKey),
  };
}

/** `foreshock validate --check-prometheus`: the expressions Prometheus rejects, positioned. */
export async function checkPromQL(
  loaded: LoadedConfig,
  prometheus: Pick<PrometheusAdapter, 'checkExpression' | 'url'>,
): Promise<ConfigError[]> {
  const issues = await checkPromQLExpressions(loaded.raw, prometheus);
  return issues
    .map((issue) => ({
      file: loaded.file,
      ...loaded.locate(issue.path, issue.atKey),
      path: formatPath(issue.path),
      message: issue.message,
      severity: issue.severity,
    }))
    .sort(byPosition);
}

function firstLine(message: string): string {
  return message.split('\n')[0]!.trim();
}

function startsWith(full: ConfigPath, prefix: ConfigPath): boolean {
  return prefix.length <= full.length && prefix.every((part, i) => String(part) === String(full[i]));
}

/** Maps config paths to positions in the YAML source. */
class NodeLocator {
  constructor(
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  locate(target: ConfigPath, atKey = false): Position {
    let node: unknown = this.doc.contents;
    let best: Position = this.positionOf(node) ?? { line: 1, col: 1 };
    for (let i = 0; i < target.length; i++) {
      const part = target[i]!;
      node = this.resolve(node);
      let next: unknown;
      if (isMap(node)) {
        const pair = node.items.find((item) => isPair(item) && keyText(item.key) === String(part));
        if (!pair) break;
        const isLast = i === target.length - 1;
        const keyPos = this.positionOf(pair.key);
        if (isLast && atKey && keyPos) return keyPos;
        next = pair.value;
        best = this.positionOf(pair.value) ?? keyPos ?? best;
        node = next;
        continue;
      }
      if (isSeq(node) && typeof part === 'number') {
        next = node.items[part];
        if (next === undefined) break;
        best = this.positionOf(next) ?? best;
        node = next;
        continue;
      }
      break;
    }
    return best;
  }

  private resolve(node: unknown): unknown {
    return isAlias(node) ? node.resolve(this.doc) : node;
  }

  positionOf(node: unknown): Position | undefined {
    const range = (node as Node | null | undefined)?.range;
    if (!range) return undefined;
    const pos = this.lines.linePos(range[0]);
    return { line: Math.max(1, pos.line), col: Math.max(1, pos.col) };
  }
}

function keyText(key: unknown): string | undefined {
  if (isScalar(key)) return String(key.value);
  if (key === null || key === undefined) return undefined;
  return String(key as string);
}

/** A problem at a config path, before it is given a file position. */
interface PathIssue {
  path: ConfigPath;
  message: string;
  expected?: string;
  /** Point at the map key rather than its value (unknown keys). */
  atKey?: boolean;
  /** @default 'error' */
  severity?: ConfigSeverity;
}

function valueAt(raw: unknown, issuePath: ConfigPath): unknown {
  let value = raw;
  for (const part of issuePath) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string | number, unknown>)[part];
  }
  return value;
}

function shown(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  const text = typeof value === 'string' ? JSON.stringify(value) : String(value as string | number);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function isFailureModePath(issuePath: ConfigPath): boolean {
  const n = issuePath.length;
  return n >= 2 && issuePath[n - 2] === 'failure_modes' && typeof issuePath[n - 1] === 'number';
}

function isInjectionParametersPath(issuePath: ConfigPath): boolean {
  return issuePath[issuePath.length - 1] === 'injection_parameters';
}

/** Turns one zod issue into messages a user can act on; an unknown-keys issue becomes one per key. */
function describeIssue(issue: z.core.$ZodIssue, raw: unknown): PathIssue[] {
  const issuePath = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
  const value = valueAt(raw, issuePath);
  switch (issue.code) {
    case 'invalid_type':
      if (value === undefined)
        return [{ path: issuePath, message: 'required but missing', expected: issue.expected }];
      return [{ path: issuePath, message: `wrong type: got ${shown(value)}`, expected: issue.expected }];
    case 'unrecognized_keys': {
      const known = knownKeys(issuePath);
      return issue.keys.map((key) => {
        if (isInjectionParametersPath(issuePath)) {
          const { message, expected } = unknownModeMessage(key);
          return {
            path: [...issuePath, key],
            atKey: true,
            message: `${message} in injection_parameters`,
            expected,
          };
        }
        const hint = known.length > 0 ? closestName(key, known) : undefined;
        return {
          path: [...issuePath, key],
          atKey: true,
          message: `unknown key ${JSON.stringify(key)}${hint ? ` (did you mean ${hint}?)` : ''}`,
          expected: known.length > 0 ? `one of ${known.join(', ')}` : undefined,
        };
      });
    }
    case 'invalid_value':
      if (isFailureModePath(issuePath)) return [{ path: issuePath, ...unknownModeMessage(value) }];
      return [
        {
          path: issuePath,
          message: `${shown(value)} is not allowed`,
          expected: `one of ${issue.values.map((v) => String(v)).join(', ')}`,
        },
      ];
    case 'invalid_format': {
      const custom = /^expected (.*)$/.exec(issue.message);
      if (custom) return [{ path: issuePath, message: `invalid value ${shown(value)}`, expected: custom[1] }];
      return [
        {
          path: issuePath,
          message: `invalid ${issue.format} ${shown(value)}`,
          expected: issue.format === 'url' ? 'an http(s) URL' : issue.format,
        },
      ];
    }
    case 'too_small': {
      const what = issue.origin === 'array' ? 'items' : issue.origin === 'string' ? 'characters' : undefined;
      const bound = `${issue.inclusive === false ? 'more than' : 'at least'} ${String(issue.minimum)}${what ? ` ${what}` : ''}`;
      return [{ path: issuePath, message: `too small: got ${shown(value)}`, expected: bound }];
    }
    case 'too_big': {
      const what = issue.origin === 'array' ? 'items' : issue.origin === 'string' ? 'characters' : undefined;
      const bound = `${issue.inclusive === false ? 'less than' : 'at most'} ${String(issue.maximum)}${what ? ` ${what}` : ''}`;
      return [{ path: issuePath, message: `too big: got ${shown(value)}`, expected: bound }];
    }
    case 'not_multiple_of':
      return [
        {
          path: issuePath,
          message: `got ${shown(value)}`,
          expected: `a multiple of ${String(issue.divisor)}`,
        },
      ];
    case 'invalid_union': {
      // Prefer the branch that matched the value's type, e.g. a duration string that is malformed.
      const branches = issue.errors.filter((branch) => branch.some((sub) => sub.code !== 'invalid_type'));
      if (branches.length === 1)
        return branches[0]!.flatMap((sub) =>
          describeIssue({ ...sub, path: [...issue.path, ...sub.path] } as z.core.$ZodIssue, raw),
        );
      const expected = [
        ...new Set(issue.errors.flat().flatMap((sub) => (sub.code === 'invalid_type' ? [sub.expected] : []))),
      ];
      return [
        {
          path: issuePath,
          message: `wrong type: got ${shown(value)}`,
          expected: expected.length > 0 ? expected.join(' or ') : undefined,
        },
      ];
    }
    case 'custom': {
      const params = issue.params as { allowed?: unknown } | undefined;
      return [
        {
          path: issuePath,
          message: issue.message,
          expected: typeof params?.allowed === 'string' ? params.allowed : undefined,
        },
      ];
    }
    default:
      return [{ path: issuePath, message: issue.message }];
  }
}

/** Keys the schema allows at `target` (an object's shape), for "unknown key" hints. */
function knownKeys(target: ConfigPath): string[] {
  let schema = unwrap(configSchema as unknown as z.core.$ZodType);
  for (const part of target) {
    const def = schema._zod.def as unknown as Record<string, unknown> & { type: string };
    if (def.type === 'object') {
      const shape = def.shape as Record<string, z.core.$ZodType>;
      const child = shape[String(part)];
      if (!child) return [];
      schema = unwrap(child);
    } else if (def.type === 'array') schema = unwrap(def.element as z.core.$ZodType);
    else if (def.type === 'record') schema = unwrap(def.valueType as z.core.$ZodType);
    else return [];
  }
  const def = schema._zod.def as unknown as { type: string; shape?: Record<string, unknown> };
  return def.type === 'object' && def.shape ? Object.keys(def.shape) : [];
}

function unwrap(schema: z.core.$ZodType): z.core.$ZodType {
  let current = schema;
  for (let depth = 0; depth < 10; depth++) {
    const def = current._zod.def as unknown as Record<string, unknown> & { type: string };
    if (['optional', 'default', 'prefault', 'nullable', 'readonly', 'catch'].includes(def.type))
      current = def.innerType as z.core.$ZodType;
    else if (def.type === 'pipe') current = def.in as z.core.$ZodType;
    else return current;
  }
  return current;
}
