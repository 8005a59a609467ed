/**
 * `npm run -s bench -- <name> [args]`: runs bench/<name>.ts, which prints one JSON object
 * as its last line.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';

const [name, ...args] = process.argv.slice(2);
const available = readdirSync(__dirname)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts')
  .map((f) => f.replace(/\.ts$/, ''));
if (!name || !existsSync(path.join(__dirname, `${name}.ts`))) {
  console.error(`usage: npm run -s bench -- <${available.join('|')}> [options]`);
  process.exit(2);
}
const result = spawnSync(process.execPath, ['--import', 'tsx', path.join(__dirname, `${name}.ts`), ...args], {
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
