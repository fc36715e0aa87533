// All SQL lives in db/ (the repositories and their helpers): the rest of the code calls repository
// methods and shapes rows. Read from the TypeScript syntax of every source file outside db/: a
// `.query(` call, or a string or template literal that reads as SQL, fails naming file and line.
//
// Exempt: bench/ (not scanned). Benchmarks seed and count rows directly on purpose: they measure the
// service from outside and must not depend on the repositories they measure. scripts/ is scanned
// and holds no SQL (operator tasks go through the repositories too).
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const ROOT = path.resolve(__dirname, '../..');
const SCANNED = ['api', 'wire', 'activities', 'engine', 'benefits', 'lib', 'workers', 'config', 'scripts'];

/** Statements, not prose: keywords in capitals, as the repositories write them. */
const SQL = [/\bSELECT\b[\s\S]*?\bFROM\b/, /\bINSERT\s+INTO\b/, /\bUPDATE\b[\s\S]*?\bSET\b/, /\bDELETE\s+FROM\b/];

function sourceFiles(dir: string): string[] {
  const abs = path.join(ROOT, dir);
  if (!fs.existsSync(abs)) return [];
  return fs.readdirSync(abs, { withFileTypes: true }).flatMap((e) => {
    const rel = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : sourceFiles(rel);
    return /\.tsx?$/.test(e.name) && !e.name.endsWith('.d.ts') ? [rel] : [];
  });
}

/** The literal text of a string or template (a template's `${}` parts left out). */
function literalText(node: ts.Node): string | null {
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
  if (ts.isTemplateExpression(node)) return [node.head.text, ...node.templateSpans.map((s) => s.literal.text)].join(' ');
  return null;
}

/** `file:line: what` for each SQL statement or `.query(` call found in the file. */
function sqlOutsideDb(rel: string, text: string): string[] {
  const source = ts.createSourceFile(rel, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const at = (node: ts.Node, what: string) => {
    const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
    found.push(`${rel}:${line}: ${what}`);
  };
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && node.expression.name.text === 'query') {
      at(node, '.query( call');
    }
    const literal = literalText(node);
    if (literal !== null) {
      const match = SQL.find((re) => re.test(literal));
      if (match) at(node, `SQL in a literal (${match.source})`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('SQL lives in db/', () => {
  it('finds no SQL in the source folders outside db/', () => {
    const files = SCANNED.flatMap(sourceFiles);
    expect(files.length).toBeGreaterThan(50);
    const found = files.flatMap((rel) => sqlOutsideDb(rel, fs.readFileSync(path.join(ROOT, rel), 'utf8')));
    expect(found).toEqual([]);
  });

  it('recognizes the statements and calls it looks for', () => {
    const sample = [
      'const a = ds.query("SELECT 1");',
      'const b = `SELECT * FROM t WHERE id = ${id}`;',
      "const c = 'INSERT INTO t (a) VALUES (1)';",
      'const d = `UPDATE t SET a = 1`;',
      'const e = "DELETE FROM t";',
      'const f = "Select a product from the list";',
    ].join('\n');
    expect(sqlOutsideDb('x.ts', sample).map((f) => f.split(': ')[0])).toEqual(['x.ts:1', 'x.ts:2', 'x.ts:3', 'x.ts:4', 'x.ts:5']);
  });
});
