import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { readTable } from '../src/io/index.js';
import { Pipeline } from '../src/pipeline/pipeline.js';
import { type Table, applyInferenceSteps, frameToTable, renderCell } from '../src/wrangle/index.js';

const ROOT = path.resolve(__dirname, '..');
const CLI = path.join(ROOT, 'dist/src/cli/main.js');
const TSC = path.join(ROOT, 'node_modules/typescript/bin/tsc');

function cli(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

let dir: string;
beforeAll(() => {
  if (!existsSync(CLI)) execFileSync(process.execPath, [TSC, '-p', path.join(ROOT, 'tsconfig.json')], { cwd: ROOT });
  dir = mkdtempSync(path.join(os.tmpdir(), 'flow-cli-'));
  for (const f of readdirSync(path.join(ROOT, 'fixtures/wrangle'))) copyFileSync(path.join(ROOT, 'fixtures/wrangle', f), path.join(dir, f));
});

describe('the credit flow from the CLI (two real tables, a join, learned steps, a split)', () => {
  it('validates, runs, stores fitted state with --save, and reuses it on a second run', () => {
    const v = cli(['flow', 'validate', 'credit.flow'], dir);
    expect(v.code).toBe(0);
    expect(v.out).toMatch(/dry run .* passed/);
    const r = cli(['flow', 'run', 'credit.flow', '--save'], dir);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/fitted impute-numeric, impute-categorical, loan-to-price, income-ratio, clip-outliers, one-hot, scale/);
    const flow = JSON.parse(readFileSync(path.join(dir, 'credit.flow'), 'utf8'));
    const scale = flow.nodes.find((n: { node_id: string }) => n.node_id === 'scale');
    expect(scale.trained_parameters.columns.Age.mean).toBeGreaterThan(30);
    expect(scale.trained_parameters._hash).toMatch(/^[0-9a-f]{16}$/);
    const train = readFileSync(path.join(dir, 'out/credit_train.csv'), 'utf8').trim().split('\n');
    const joined = readFileSync(path.join(dir, 'out/credit_joined.csv'), 'utf8').trim().split('\n');
    expect(joined.length - 1).toBe(4454);
    expect(train.length - 1).toBe(Math.round(4454 * 0.8));
    expect(train[0]).toContain('Home_owner');
    expect(train[0]).not.toContain('applicant_id');
    const again = cli(['flow', 'run', 'credit.flow', '--overwrite'], dir);
    expect(again.code, again.err).toBe(0);
    expect(again.out).not.toMatch(/fitted/);
    expect(readFileSync(path.join(dir, 'out/credit_train.csv'), 'utf8').trim().split('\n')).toEqual(train);
    // No temporary files are left behind.
    expect(readdirSync(path.join(dir, 'out')).filter((f) => f.includes('.tmp'))).toEqual([]);
    const show = cli(['flow', 'show', 'credit.flow'], dir);
    expect(show.out).toMatch(/One-hot encode: one-hot encode Home, Marital, Job, Records .*\[fitted\]/);
  });

  it('exports a standalone module that compiles under strict and reproduces the engine output exactly', async () => {
    const e = cli(['flow', 'export', 'credit.flow', '--out', 'gen/credit_flow.ts'], dir);
    expect(e.code, e.err).toBe(0);
    const src = readFileSync(path.join(dir, 'gen/credit_flow.ts'), 'utf8');
    expect(src).not.toMatch(/^import /m);
    writeFileSync(path.join(dir, 'gen/package.json'), '{"type":"module"}');
    execFileSync(process.execPath, [TSC, '--strict', '--target', 'es2022', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--skipLibCheck', 'gen/credit_flow.ts'], { cwd: dir });
    const mod = (await import(pathToFileURL(path.join(dir, 'gen/credit_flow.js')).href)) as { transform(t: Table): Table; STEP_COUNT: number };
    expect(mod.STEP_COUNT).toBe(8);
    const { frame: raw } = await readTable(path.join(dir, 'out/credit_joined.csv'));
    const flow = JSON.parse(readFileSync(path.join(dir, 'credit.flow'), 'utf8'));
    const expected = frameToTable(applyInferenceSteps(flow, raw));
    const actual = mod.transform(frameToTable(raw));
    expect(actual.names).toEqual(expected.names);
    expect(actual.n).toBe(raw.numRows);
    for (const name of expected.names) expect(actual.cols[name].map(renderCell), name).toEqual(expected.cols[name].map(renderCell));
  });

  it('trains a model from the flow whose predictions apply the flow to raw rows', async () => {
    const t = cli(['train', '--flow', 'credit.flow', '--target', 'Status', '--algorithm', 'linear', '--out', 'model'], dir);
    expect(t.code, t.err).toBe(0);
    const model = JSON.parse(readFileSync(path.join(dir, 'model/model.json'), 'utf8'));
    expect(model.features.map((f: { name: string }) => f.name)).toContain('Home');
    expect(model.flow.steps.map((s: { node_id: string }) => s.node_id)).toEqual(['impute-numeric', 'impute-categorical', 'loan-to-price', 'income-ratio', 'clip-outliers', 'one-hot', 'scale', 'drop-id']);
    const p = cli(['predict', 'model', 'out/credit_joined.csv', '--out', 'preds.csv'], dir);
    expect(p.code, p.err).toBe(0);
    const preds = readFileSync(path.join(dir, 'preds.csv'), 'utf8').trim().split('\n');
    expect(preds.length - 1).toBe(4454);
    // The pipeline on raw rows equals the learner on the flow's own transformed rows.
    const { frame: raw } = await readTable(path.join(dir, 'out/credit_joined.csv'));
    const pipeline = await Pipeline.load(path.join(dir, 'model'));
    const viaPipeline = pipeline.predict(raw.head(50)).probabilities!;
    const flow = JSON.parse(readFileSync(path.join(dir, 'credit.flow'), 'utf8'));
    const transformed = applyInferenceSteps(flow, raw.head(50));
    const direct = pipeline.model.predictProba(transformed);
    expect(Array.from(viaPipeline)).toEqual(Array.from(direct));
    const status = raw.toRows().map((r) => r.Status);
    const correct = preds.slice(1).filter((l, i) => l.split(',')[0] === status[i]).length;
    // Above the majority-class rate (72% "good"): the flow's features carry signal into the model.
    expect(correct / status.length).toBeGreaterThan(0.76);
  });

  it('rejects a training target behind a multi-row step', () => {
    const flow = JSON.parse(readFileSync(path.join(dir, 'credit.flow'), 'utf8'));
    flow.nodes.push({ node_id: 'groups', type: 'TRANSFORM', operator: 'tabpilot.group_by_0.1', parameters: { group_by_columns: ['Home'], aggregations: [{ column: 'Income', function: 'mean' }] }, inputs: [{ name: 'df', node_id: 'scale' }], outputs: [{ name: 'default' }] });
    writeFileSync(path.join(dir, 'grouped.flow'), JSON.stringify(flow));
    const e = cli(['flow', 'export', 'grouped.flow', '--out', 'gen/g.ts', '--target', 'groups'], dir);
    expect(e.code).toBe(2);
    expect(e.err).toMatch(/node "groups", field "operator": "Group by" is a multi-row transform/);
  });
});
