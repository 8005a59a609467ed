import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cycles, importGraph } from '../../scripts/import-cycles';

describe('import cycles', () => {
  it('finds runtime cycles and tells type-only ones apart', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'foreshock-cycles-'));
    try {
      const files: Record<string, string> = {
        'a.ts': "import { b } from './b';\nexport const a = () => b;\n",
        'b.ts': "import { a } from './a';\nexport const b = () => a;\n",
        'c.ts': "import type { D } from './d';\nexport type C = D;\nexport const c = 1;\n",
        'd.ts':
          "import { c } from './c';\nimport { e } from './e';\nexport type D = number;\nexport const d = c + e;\n",
        // every specifier a type: no runtime edge back to d
        'e.ts': "import { type D } from './d';\nexport const e: D = 1;\n",
      };
      for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
      const graph = importGraph(dir);
      const names = (groups: string[][]) => groups.map((g) => g.map((f) => path.basename(f)));
      assert.deepEqual(names(cycles(graph, true)), [['a.ts', 'b.ts']]);
      assert.deepEqual(names(cycles(graph, false)).sort(), [
        ['a.ts', 'b.ts'],
        ['c.ts', 'd.ts', 'e.ts'],
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('src has none, not even through types', () => {
    const graph = importGraph(path.join(__dirname, '..', '..', 'src'));
    assert.ok(graph.size > 100, `${graph.size} files read`);
    assert.deepEqual(cycles(graph, false), []);
  });
});
