import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The docs show imports a user can write: from 'tabpilot' or 'tabpilot/<area>', never './src/...'. Every value
 * they import must be exported by the built entry that package.json's "exports" maps the specifier to.
 */
const ROOT = path.resolve(__dirname, '..');
type Target = string | { readonly default: string };
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { exports: Record<string, { import: Target }> };
const esmFile = (t: Target): string => (typeof t === 'string' ? t : t.default);
const DOCS = ['README.md', ...readdirSync(path.join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
const IMPORT = /import\s*\{([^}]*)\}\s*from\s*'([^']+)'/g;

interface DocImport {
  readonly doc: string;
  readonly specifier: string;
  readonly names: string[];
}

function docImports(): DocImport[] {
  const out: DocImport[] = [];
  for (const doc of DOCS) {
    const text = readFileSync(path.join(ROOT, doc), 'utf8');
    for (const block of text.matchAll(/```(?:ts|typescript|js)\n([\s\S]*?)```/g)) {
      for (const m of block[1]!.matchAll(IMPORT)) {
        const names = m[1]!.split(',').map((n) => n.trim()).filter((n) => n !== '' && !n.startsWith('type '));
        out.push({ doc, specifier: m[2]!, names: names.map((n) => n.split(/\s+as\s+/)[0]!) });
      }
    }
  }
  return out;
}

describe('docs imports', () => {
  const imports = docImports();

  it('the docs have import examples', () => {
    expect(imports.length).toBeGreaterThan(5);
  });

  it('never import from the source tree', () => {
    expect(imports.filter((i) => !i.specifier.startsWith('tabpilot')).map((i) => `${i.doc}: ${i.specifier}`)).toEqual([]);
  });

  it('import only names the package exports', async () => {
    const missing: string[] = [];
    for (const i of imports) {
      const sub = i.specifier === 'tabpilot' ? '.' : `.${i.specifier.slice('tabpilot'.length)}`;
      const target = pkg.exports[sub];
      if (!target) {
        missing.push(`${i.doc}: ${i.specifier} is not in package.json exports`);
        continue;
      }
      const mod = (await import(pathToFileURL(path.join(ROOT, esmFile(target.import))).href)) as Record<string, unknown>;
      for (const name of i.names) if (!(name in mod)) missing.push(`${i.doc}: ${name} from ${i.specifier}`);
    }
    expect(missing).toEqual([]);
  });
});
