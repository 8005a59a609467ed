/**
 * Import cycles among a folder's TypeScript files, from their static relative imports and
 * re-exports. A cycle through a type-only import (`import type`, `export type`, or a
 * specifier list of types only) is reported apart: it costs nothing at run time.
 * `npx tsx scripts/import-cycles.ts [dir]` prints one JSON object; exit 1 on a runtime cycle.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

export interface ImportEdge {
  to: string;
  typeOnly: boolean;
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return tsFiles(full);
    return /\.tsx?$/.test(name) && !name.endsWith('.d.ts') ? [full] : [];
  });
}

function resolve(from: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const base = path.resolve(path.dirname(from), specifier);
  return [`${base}.ts`, `${base}.tsx`, path.join(base, 'index.ts')].find((f) => existsSync(f));
}

function typeOnly(node: ts.ImportDeclaration | ts.ExportDeclaration): boolean {
  if (ts.isExportDeclaration(node)) {
    if (node.isTypeOnly) return true;
    const clause = node.exportClause;
    return !!clause && ts.isNamedExports(clause) && clause.elements.every((e) => e.isTypeOnly);
  }
  const clause = node.importClause;
  if (!clause) return false;
  if (clause.isTypeOnly) return true;
  if (clause.name) return false;
  const bindings = clause.namedBindings;
  return !!bindings && ts.isNamedImports(bindings) && bindings.elements.every((e) => e.isTypeOnly);
}

/** Every file under `dir` with the files it imports (relative specifiers only). */
export function importGraph(dir: string): Map<string, ImportEdge[]> {
  const graph = new Map<string, ImportEdge[]>();
  for (const file of tsFiles(path.resolve(dir))) {
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest);
    const edges: ImportEdge[] = [];
    for (const statement of source.statements) {
      if (!ts.isImportDeclaration(statement) && !ts.isExportDeclaration(statement)) continue;
      const specifier = statement.moduleSpecifier;
      if (!specifier || !ts.isStringLiteral(specifier)) continue;
      const to = resolve(file, specifier.text);
      if (to) edges.push({ to, typeOnly: typeOnly(statement) });
    }
    graph.set(file, edges);
  }
  return graph;
}

/** The strongly connected groups of more than one file (or a file importing itself), Tarjan's way. */
export function cycles(graph: Map<string, ImportEdge[]>, runtimeOnly: boolean): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const groups: string[][] = [];
  let next = 0;
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const edge of graph.get(v) ?? []) {
      if (runtimeOnly && edge.typeOnly) continue;
      const w = edge.to;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) !== index.get(v)) return;
    const group: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      group.push(w);
    } while (w !== v);
    const selfImport = (graph.get(v) ?? []).some((e) => e.to === v && !(runtimeOnly && e.typeOnly));
    if (group.length > 1 || selfImport) groups.push(group.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return groups;
}

if (require.main === module) {
  const dir = process.argv[2] ?? 'src';
  const graph = importGraph(dir);
  const rel = (groups: string[][]) => groups.map((g) => g.map((f) => path.relative(process.cwd(), f)));
  const runtime = rel(cycles(graph, true));
  const all = rel(cycles(graph, false));
  console.log(JSON.stringify({ dir, files: graph.size, runtimeCycles: runtime, cyclesWithTypes: all }));
  if (runtime.length > 0) process.exitCode = 1;
}
