import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { paramsHash } from '../src/wrangle/flow/format.js';
import { type TableJson, injectedIdentifiers, runModules, transpile } from './fuzz/exported.js';

/**
 * Issue 11 ("Trust"): a flow file is untrusted input. Its values must never run as code in an exported
 * module, its stored state is type-checked, its destinations stay in the output directory and replace
 * nothing without --overwrite, and export/run leave the flow file alone.
 */
const ROOT = path.resolve(__dirname, '..');
const CLI = path.join(ROOT, 'dist/src/cli/main.js');
const TSC = path.join(ROOT, 'node_modules/typescript/bin/tsc');

function cli(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** The column holding a `${...}` template payload in its name (a template literal in generated code would run it). */
const TEMPLATE_COL = 't${process.exit(46)}';
const CSV = `a,b,ts,${TEMPLATE_COL}\n1,x,2024-01-01,2024-01-01\n2,y,not a date,not a date\n,z,2024-01-03,2024-01-03\n`;
/** The same rows as a Table for the exported module's transform(). */
const TABLE: TableJson = {
  names: ['a', 'b', 'ts', TEMPLATE_COL],
  cols: { a: [1, 2, null], b: ['x', 'y', 'z'], ts: ['2024-01-01', 'not a date', '2024-01-03'], [TEMPLATE_COL]: ['2024-01-01', 'not a date', '2024-01-03'] },
  n: 3,
};

type Node = Record<string, unknown> & { node_id: string };
const source: Node = { node_id: 'src', type: 'SOURCE', operator: 'tabpilot.source_0.1', parameters: { path: 'data.csv', column_types: { ts: 'text', [TEMPLATE_COL]: 'text' } }, inputs: [], outputs: [{ name: 'default' }] };

/** A flow: the source, then `steps` chained in order. Fitted state is given with a matching hash, as `flow run --save` would store it. */
function flowOf(steps: { node_id: string; operator: string; parameters: Record<string, unknown>; trained?: Record<string, unknown>; rawParams?: unknown }[], extra: Node[] = []) {
  const nodes: Node[] = [source];
  let prev = 'src';
  for (const s of steps) {
    const trained = s.trained ? { trained_parameters: { _hash: paramsHash(s.rawParams ?? s.parameters), ...s.trained } } : {};
    nodes.push({ node_id: s.node_id, type: 'TRANSFORM', operator: s.operator, parameters: s.parameters, ...trained, inputs: [{ name: 'df', node_id: prev }], outputs: [{ name: 'default' }] });
    prev = s.node_id;
  }
  return { metadata: { version: 1 }, nodes: [...nodes, ...extra] };
}

const formula = (node_id: string, output_column: string, f: string) => ({
  node_id,
  operator: 'tabpilot.custom_formula_0.1',
  parameters: { output_column, formula: f },
  trained: { column_types: { b: 'str' } },
});

const scaler = (offset: unknown) => {
  const block = { input_column: ['a'] };
  return {
    node_id: 'scale',
    operator: 'tabpilot.process_numeric_0.1',
    parameters: { operator: 'Standard scaler', standard_scaler_parameters: block },
    rawParams: block,
    trained: { columns: { a: { mean: 1.5, std: 0.7, shift: 0, scale: 1, offset } } },
  };
};

let dir: string;
let n = 0;
beforeAll(() => {
  if (!existsSync(CLI)) execFileSync(process.execPath, [TSC, '-p', path.join(ROOT, 'tsconfig.json')], { cwd: ROOT });
  dir = mkdtempSync(path.join(os.tmpdir(), 'flow-security-'));
  writeFileSync(path.join(dir, 'data.csv'), CSV);
});

/** Writes the flow, exports it through the CLI and returns the generated source (or the CLI's failure). */
function exportFlow(flow: unknown, target?: string): { code: number | null; err: string; source: string } {
  const name = `case${n++}`;
  writeFileSync(path.join(dir, `${name}.flow`), JSON.stringify(flow));
  const r = cli(['flow', 'export', `${name}.flow`, '--out', `gen/${name}.ts`, ...(target ? ['--target', target] : [])], dir);
  const file = path.join(dir, 'gen', `${name}.ts`);
  return { code: r.code, err: r.err, source: existsSync(file) ? readFileSync(file, 'utf8') : '' };
}

describe('flow export embeds flow values only as literals', () => {
  const cases: [string, ReturnType<typeof flowOf>, string][] = [
    ['a formula string with a carriage return', flowOf([formula('f', 'out', "concat(b, '\rprocess.exit(42);//')")]), 'f'],
    ['a node id with a newline', flowOf([formula('n\nprocess.exit(43);//', 'out', "concat(b, '!')")]), 'n\nprocess.exit(43);//'],
    ['an output column name with U+2028', flowOf([formula('f', 'y\u2028process.exit(44);//', "concat(b, '!')")]), 'f'],
    [
      'a column name with a ${...} template in an error message',
      flowOf([{ node_id: 'v', operator: 'tabpilot.time_series_0.1', parameters: { operator: 'Validate timestamps', validate_timestamps_parameters: { timestamp_column: TEMPLATE_COL, policy: 'error' } } }]),
      'v',
    ],
  ];
  it.each(cases)('%s: the module compiles, runs, and the payload never executes', (_name, flow, target) => {
    const e = exportFlow(flow, target);
    expect(e.code, e.err).toBe(0);
    const { js, errors } = transpile(e.source);
    expect(errors).toEqual([]);
    const run = runModules([{ js, table: TABLE }]);
    // A payload that ran would have exited the child with its own status (42 to 46).
    expect(run.status, run.stderr).toBe(0);
    // Nor did any payload become code that this data did not reach (process.exit outside a string or comment).
    expect(injectedIdentifiers(e.source, 'exit')).toEqual([]);
    expect(run.results).toHaveLength(1);
    if (target === 'v') expect(run.results[0]).toMatch(/^threw: invalid or missing timestamp in "t\$\{process\.exit\(46\)\}" at row 2$/);
    else expect(run.results[0]).toBe('ok');
  });

  it('embeds a formula string with a carriage return as the same string the engine computes', () => {
    const e = exportFlow(flowOf([formula('f', 'out', "concat(b, '\r!')")]), 'f');
    expect(e.code, e.err).toBe(0);
    expect(e.source).toContain('"\\r!"');
    expect(e.source).not.toMatch(/\r/);
  });
});

describe('stored fitted state is type-checked like parameters', () => {
  for (const offset of ['process.exit(45)', '0);process.exit(45);(']) {
    it(`rejects a trained number replaced by the string ${JSON.stringify(offset)} in export, run and validate`, () => {
      const flow = flowOf([scaler(offset)]);
      const e = exportFlow(flow, 'scale');
      expect(e.code).toBe(2);
      expect(e.err).toMatch(/node "scale", field "trained_parameters\.columns\.a\.offset": expects a number, got "/);
      expect(e.source).toBe('');
      writeFileSync(path.join(dir, 'bad-state.flow'), JSON.stringify(flow));
      const r = cli(['flow', 'run', 'bad-state.flow'], dir);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/trained_parameters\.columns\.a\.offset/);
      const v = cli(['flow', 'validate', 'bad-state.flow'], dir);
      expect(v.code).toBe(2);
      expect(v.err).toMatch(/node "scale", field "trained_parameters\.columns\.a\.offset"/);
    });
  }

  it('still exports numeric state, with a negative offset kept as a number', () => {
    const e = exportFlow(flowOf([scaler(-2.5)]), 'scale');
    expect(e.code, e.err).toBe(0);
    const run = runModules([{ js: transpile(e.source).js, table: TABLE }]);
    expect(run.status, run.stderr).toBe(0);
    expect(run.results).toEqual(['ok']);
  });

  it('rejects state missing for an input column instead of reading Object.prototype', () => {
    const s = scaler(0);
    s.trained = { columns: { constructor: { shift: 0, scale: 1, offset: 0 } } };
    const e = exportFlow(flowOf([s]), 'scale');
    expect(e.code).toBe(2);
    expect(e.err).toMatch(/node "scale", field "trained_parameters\.columns\.a": is required/);
  });
});

describe('flow run destinations', () => {
  const dest = (output_path: string): Node => ({ node_id: 'out', type: 'DESTINATION', operator: 'tabpilot.destination_0.1', parameters: { output_path }, inputs: [{ name: 'df', node_id: 'src' }], outputs: [{ name: 'default' }] });
  const writeFlow = (name: string, output_path: string) => writeFileSync(path.join(dir, name), JSON.stringify(flowOf([], [dest(output_path)])));

  it('refuses ../ and absolute output paths unless --allow-outside, and validate reports them', () => {
    mkdirSync(path.join(dir, 'sub'), { recursive: true });
    copyFileSync(path.join(dir, 'data.csv'), path.join(dir, 'sub', 'data.csv'));
    writeFileSync(path.join(dir, 'sub', 'up.flow'), JSON.stringify(flowOf([], [dest('../escaped.csv')])));
    const r = cli(['flow', 'run', 'sub/up.flow'], dir);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/node "out", field "parameters\.output_path": .*escaped\.csv is outside the output directory .*--allow-outside/);
    expect(existsSync(path.join(dir, 'escaped.csv'))).toBe(false);
    const v = cli(['flow', 'validate', 'sub/up.flow'], dir);
    expect(v.code).toBe(2);
    expect(v.err).toMatch(/node "out".*outside the output directory/);
    // --out moves the output directory; ../ still may not leave it.
    const o = cli(['flow', 'run', 'sub/up.flow', '--out', 'sub'], dir);
    expect(o.code).toBe(2);
    const abs = path.join(os.tmpdir(), `tabpilot-abs-${process.pid}-${Date.now()}.csv`);
    writeFlow('abs.flow', abs);
    const a = cli(['flow', 'run', 'abs.flow'], dir);
    expect(a.code).toBe(2);
    expect(a.err).toMatch(/outside the output directory/);
    expect(existsSync(abs)).toBe(false);
    const ok = cli(['flow', 'run', 'sub/up.flow', '--allow-outside'], dir);
    expect(ok.code, ok.err).toBe(0);
    expect(readFileSync(path.join(dir, 'escaped.csv'), 'utf8').split('\n')[0]).toBe(`a,b,ts,${TEMPLATE_COL}`);
  });

  it('never replaces an existing file without --overwrite, and leaves no temporary file', () => {
    writeFlow('exists.flow', 'existing.csv');
    writeFileSync(path.join(dir, 'existing.csv'), 'keep me\n');
    const r = cli(['flow', 'run', 'exists.flow'], dir);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/node "out", field "parameters\.output_path": .*existing\.csv already exists; pass --overwrite/);
    expect(readFileSync(path.join(dir, 'existing.csv'), 'utf8')).toBe('keep me\n');
    const v = cli(['flow', 'validate', 'exists.flow'], dir);
    expect(v.code).toBe(0);
    expect(v.out).toMatch(/existing\.csv already exists; flow run replaces it only with --overwrite/);
    const o = cli(['flow', 'run', 'exists.flow', '--overwrite'], dir);
    expect(o.code, o.err).toBe(0);
    expect(readFileSync(path.join(dir, 'existing.csv'), 'utf8').split('\n')).toHaveLength(5);
    expect(readdirSync(dir).filter((f) => f.includes('.tmp'))).toEqual([]);
  });
});

describe('flow export --out', () => {
  it('replaces an existing file only with --overwrite, never the flow itself, and leaves no temporary file', () => {
    const e = exportFlow(flowOf([formula('f', 'out', "concat(b, '!')")]), 'f');
    expect(e.code, e.err).toBe(0);
    const name = `case${n - 1}`;
    const out = path.join(dir, 'gen', `${name}.ts`);
    writeFileSync(out, 'keep me\n');
    const again = cli(['flow', 'export', `${name}.flow`, '--out', `gen/${name}.ts`, '--target', 'f'], dir);
    expect(again.code).toBe(2);
    expect(again.err.trim()).toMatch(new RegExp(`^tabpilot: gen/${name}\\.ts: already exists; pass --overwrite to replace it$`));
    expect(readFileSync(out, 'utf8')).toBe('keep me\n');
    const forced = cli(['flow', 'export', `${name}.flow`, '--out', `gen/${name}.ts`, '--target', 'f', '--overwrite'], dir);
    expect(forced.code, forced.err).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe(e.source);
    // A flow file named like a module: exporting over it is refused even with --overwrite.
    writeFileSync(path.join(dir, 'self.ts'), readFileSync(path.join(dir, `${name}.flow`)));
    const self = cli(['flow', 'export', 'self.ts', '--out', 'self.ts', '--target', 'f', '--overwrite'], dir);
    expect(self.code).toBe(2);
    expect(self.err).toMatch(/self\.ts: is the input file self\.ts; writing it would destroy the data/);
    expect(readFileSync(path.join(dir, 'self.ts'), 'utf8')).toBe(readFileSync(path.join(dir, `${name}.flow`), 'utf8'));
    expect(readdirSync(path.join(dir, 'gen')).filter((f) => f.includes('.tmp'))).toEqual([]);
  });
});

describe('a fresh copy of the credit flow', () => {
  it('exports without a prior run, and neither export nor run changes the flow file', () => {
    const fresh = mkdtempSync(path.join(os.tmpdir(), 'flow-fresh-'));
    for (const f of readdirSync(path.join(ROOT, 'fixtures/wrangle'))) copyFileSync(path.join(ROOT, 'fixtures/wrangle', f), path.join(fresh, f));
    const before = readFileSync(path.join(fresh, 'credit.flow'), 'utf8');
    expect(JSON.parse(before).nodes.some((n: { trained_parameters?: unknown }) => n.trained_parameters)).toBe(false);
    const e = cli(['flow', 'export', 'credit.flow', '--out', 'gen/credit.ts'], fresh);
    expect(e.code, e.err).toBe(0);
    expect(e.out).toMatch(/fitted impute-numeric, .*scale for the export \(credit\.flow is not changed\)/);
    expect(readFileSync(path.join(fresh, 'credit.flow'), 'utf8')).toBe(before);
    const source = readFileSync(path.join(fresh, 'gen/credit.ts'), 'utf8');
    expect(source).toMatch(/export const STEP_COUNT = 8;/);
    expect(transpile(source).errors).toEqual([]);
    const r = cli(['flow', 'run', 'credit.flow'], fresh);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/not saved in credit\.flow; --save stores it/);
    expect(readFileSync(path.join(fresh, 'credit.flow'), 'utf8')).toBe(before);
  });
});

describe('every learned transform checks its stored state', () => {
  it('has parseTrained wherever it has fit', async () => {
    const { allTransforms } = await import('../src/wrangle/registry.js');
    const learned = allTransforms().filter((t) => t.fit);
    expect(learned.length).toBeGreaterThan(10);
    expect(learned.filter((t) => !t.parseTrained).map((t) => `${t.group}: ${t.operator}`)).toEqual([]);
  });
});
