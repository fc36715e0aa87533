// The direction of dependencies between the source folders, and no import cycles between files
// (what `madge --circular` checks), read from the TypeScript syntax of every source file. A test
// rather than a lint rule: eslint-plugin-import is not a dependency, and this needs only the
// compiler. Folder rules look at runtime imports (a type-only import is erased at compile time);
// cycles look at every import, as madge does.
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const ROOT = path.resolve(__dirname, '../..');
const SOURCE_FOLDERS = [
  'api',
  'activities',
  'benefits',
  'config',
  'db',
  'engine',
  'integrations',
  'lib',
  'scripts',
  'workers',
  'workflows',
  'wire',
];

/** Polar's wire shapes (API responses and webhook payloads alike). */
const WIRE = ['wire'];

/**
 * Where each folder's runtime imports may point (besides itself). The longest matching prefix of a
 * file's path picks its rule; `undefined` means unrestricted.
 */
const ALLOWED: Record<string, string[] | undefined> = {
  api: ['api', 'engine', 'db', 'benefits', 'integrations', 'lib', 'config', ...WIRE],
  activities: ['activities', 'engine', 'benefits', 'db', 'integrations', 'lib', 'config', 'workflows/definitions', ...WIRE],
  wire: ['wire', 'benefits', 'db', 'lib', 'config'],
  engine: ['engine', 'workflows/definitions', 'benefits', 'db', 'lib', 'config'],
  workflows: ['workflows'],
  db: ['db', 'lib', 'config'],
  lib: ['lib', 'config'],
  config: ['config'],
};

/** Never imported from these folders, not even for a type. */
const FORBIDDEN_EVEN_TYPES: Record<string, string[]> = {
  db: ['workflows', 'api'],
  lib: ['workflows', 'api'],
};

interface Edge {
  from: string;
  to: string;
  typeOnly: boolean;
}

function sourceFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : sourceFiles(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

function resolve(fromFile: string, spec: string): string | null {
  if (!spec.startsWith('.')) return null;
  const base = path.resolve(path.dirname(fromFile), spec);
  for (const candidate of [base, `${base}.ts`, path.join(base, 'index.ts')]) {
    if (candidate.endsWith('.ts') && fs.existsSync(candidate)) return path.relative(ROOT, candidate);
  }
  return null;
}

/** Whether the declaration is erased at compile time (`import type`, or every binding a type). */
function isTypeOnly(node: ts.ImportDeclaration | ts.ExportDeclaration): boolean {
  if (ts.isExportDeclaration(node)) {
    if (node.isTypeOnly) return true;
    const clause = node.exportClause;
    return !!clause && ts.isNamedExports(clause) && clause.elements.length > 0 && clause.elements.every((e) => e.isTypeOnly);
  }
  const clause = node.importClause;
  if (!clause) return false; // a side-effect import
  if (clause.isTypeOnly) return true;
  if (clause.name) return false;
  const bindings = clause.namedBindings;
  return !!bindings && ts.isNamedImports(bindings) && bindings.elements.length > 0 && bindings.elements.every((e) => e.isTypeOnly);
}

function importsOf(file: string): Edge[] {
  const abs = path.join(ROOT, file);
  const source = ts.createSourceFile(abs, fs.readFileSync(abs, 'utf8'), ts.ScriptTarget.Latest, false);
  const edges: Edge[] = [];
  for (const node of source.statements) {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      const to = resolve(abs, node.moduleSpecifier.text);
      if (to) edges.push({ from: file, to, typeOnly: isTypeOnly(node) });
    }
  }
  return edges;
}

function buildGraph(): Edge[] {
  const files = SOURCE_FOLDERS.flatMap((f) => sourceFiles(path.join(ROOT, f))).map((f) => path.relative(ROOT, f));
  return files.flatMap(importsOf);
}

/** Every strongly connected component of more than one file (or a file importing itself). */
function cycles(edges: Edge[]): string[][] {
  const next = new Map<string, string[]>();
  for (const e of edges) next.set(e.from, [...(next.get(e.from) ?? []), e.to]);
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  let counter = 0;
  const visit = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (next.get(v) ?? []).includes(v)) found.push(component.sort());
    }
  };
  for (const v of next.keys()) if (!index.has(v)) visit(v);
  return found;
}

/** The longest rule key that is a prefix of the path (`api/serializers/x.ts` -> 'api/serializers'). */
function ruleFor<T>(rules: Record<string, T>, file: string): T | undefined {
  const key = Object.keys(rules)
    .filter((k) => file === `${k}.ts` || file.startsWith(`${k}/`))
    .sort((a, b) => b.length - a.length)[0];
  return key === undefined ? undefined : rules[key];
}

const inside = (file: string, folders: string[]) => folders.some((f) => file === `${f}.ts` || file.startsWith(`${f}/`));

const edges = buildGraph();

test('the source folders are read (the graph is not empty)', () => {
  expect(edges.length).toBeGreaterThan(100);
});

test('no import cycles between files', () => {
  expect(cycles(edges)).toEqual([]);
});

test('no import cycles between folders (runtime imports)', () => {
  const folder = (f: string) => f.split('/')[0];
  const folderEdges = edges
    .filter((e) => !e.typeOnly && folder(e.from) !== folder(e.to))
    .map((e) => ({ from: folder(e.from), to: folder(e.to), typeOnly: false }));
  expect(cycles(folderEdges)).toEqual([]);
});

test('runtime imports follow the folder direction (api -> engine, db, benefits; workflows -> definitions)', () => {
  const wrong = edges
    .filter((e) => !e.typeOnly)
    .filter((e) => {
      const allowed = ruleFor(ALLOWED, e.from);
      return allowed !== undefined && !inside(e.to, allowed);
    })
    .map((e) => `${e.from} -> ${e.to}`);
  expect(wrong).toEqual([]);
});

test('db/ and lib/ never import workflows/ or api/, not even a type', () => {
  const wrong = edges.filter((e) => inside(e.to, ruleFor(FORBIDDEN_EVEN_TYPES, e.from) ?? [])).map((e) => `${e.from} -> ${e.to}`);
  expect(wrong).toEqual([]);
});
