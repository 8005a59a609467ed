/**
 * Structured JSON logs for the demo: one object per line with time, level, component and
 * message, to a file (or any sink), so the terminal stays free for the live progress view.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface DemoLogger {
  log(level: LogLevel, component: string, msg: string, fields?: Record<string, unknown>): void;
  child(component: string): ComponentLogger;
}

export interface ComponentLogger {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  debug(msg: string, fields?: Record<string, unknown>): void;
}

export function formatLogLine(
  at: Date,
  level: LogLevel,
  component: string,
  msg: string,
  fields: Record<string, unknown> = {},
): string {
  return JSON.stringify({ time: at.toISOString(), level, component, msg, ...fields });
}

export function createLogger(sink: (line: string) => void, now: () => Date = () => new Date()): DemoLogger {
  const logger: DemoLogger = {
    log: (level, component, msg, fields) => sink(formatLogLine(now(), level, component, msg, fields)),
    child: (component) => ({
      info: (msg, fields) => logger.log('info', component, msg, fields),
      warn: (msg, fields) => logger.log('warn', component, msg, fields),
      error: (msg, fields) => logger.log('error', component, msg, fields),
      debug: (msg, fields) => logger.log('debug', component, msg, fields),
    }),
  };
  return logger;
}

export function fileLogger(file: string): DemoLogger {
  mkdirSync(path.dirname(file), { recursive: true });
  return createLogger((line) => appendFileSync(file, line + '\n'));
}
