/**
 * Reads what the report needs from the foreshock config file.
 * INTEGRATION POINT: swap for the config loader (src/config/loader.ts) once it lands, for
 * its file:line:col errors; until then the schema's own messages name the field.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { configSchema, type ForeshockConfig } from '../config/schema';

export function readConfigFile(file: string): ForeshockConfig {
  const result = configSchema.safeParse(parse(readFileSync(file, 'utf8')));
  if (!result.success) {
    const first = result.error.issues[0];
    throw new Error(`${file}: ${first ? `${first.path.join('.')}: ${first.message}` : 'invalid config'}`);
  }
  return result.data;
}
