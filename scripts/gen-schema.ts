/**
 * Writes config/foreshock.schema.json from the zod schema (the single source of truth).
 * `--check` fails when the committed file differs, so CI catches drift.
 */
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { configSchema } from '../src/config/schema';

const target = path.join(__dirname, '..', 'config', 'foreshock.schema.json');
const schema = {
  ...z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any', target: 'draft-7' }),
  $id: 'https://foreshock.dev/schema/foreshock.schema.json',
  title: 'foreshock config',
};
const text = JSON.stringify(schema, null, 2) + '\n';

if (process.argv.includes('--check')) {
  const current = existsSync(target) ? readFileSync(target, 'utf8') : '';
  if (current !== text) {
    console.error(
      'config/foreshock.schema.json is out of date with src/config/schema.ts: run `npm run schema`',
    );
    process.exit(1);
  }
  console.log('config/foreshock.schema.json is up to date');
} else {
  writeFileSync(target, text);
  console.log(`wrote ${path.relative(process.cwd(), target)}`);
}
