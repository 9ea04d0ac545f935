import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cellString } from '../src/frame/column.js';
import { alignToSchema, schemaOf } from '../src/frame/align.js';
import type { Frame } from '../src/frame/frame.js';
import { analysisForOperator, analysisInfo } from '../src/analyses/index.js';
import { insights } from '../src/insights/index.js';
import { parseCsvText, readTable, writeArrow, writeParquet, type TableSummary } from '../src/io/index.js';
import { isTabpilotError } from '../src/util/errors.js';

/**
 * Issue 11: column names and category labels that are Object.prototype members ("constructor", "__proto__",
 * ...) crashed every reader (plain objects used as maps keyed by user text). The data is the penguins
 * fixture with its columns renamed to those names and its island / species labels replaced by them, so each
 * name is both a column and a category value.
 */
const NAMES = ['constructor', 'toString', 'valueOf', 'hasOwnProperty', '__proto__'] as const;
const HEADER = ['constructor', 'toString', 'valueOf', 'hasOwnProperty', '__proto__', 'sex', 'year', 'species'];
const ISLANDS: Record<string, string> = { Torgersen: 'toString', Biscoe: 'valueOf', Dream: '__proto__' };
const SPECIES: Record<string, string> = { Adelie: 'constructor', Chinstrap: 'hasOwnProperty', Gentoo: '__proto__' };

const dir = mkdtempSync(path.join(os.tmpdir(), 'tabpilot-trust-keys-'));
const source = readFileSync('fixtures/penguins.csv', 'utf8').split('\n');
const text = [HEADER.map((h) => `"${h}"`).join(','), ...source.slice(1)]
  .join('\n')
  .replace(/"(Torgersen|Biscoe|Dream)"/g, (_, v: string) => `"${ISLANDS[v]}"`)
  .replace(/"(Adelie|Chinstrap|Gentoo)"$/gm, (_, v: string) => `"${SPECIES[v]}"`);
const csv = path.join(dir, 'penguins-proto.csv');
writeFileSync(csv, text);
const ROWS = 344;

const CLI = path.resolve('dist/src/cli/main.js');
const tabpilot = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });

function expectProtoFrame(frame: Frame): void {
  expect(frame.columnNames).toEqual(HEADER);
  expect(frame.numRows).toBe(ROWS);
  const island = frame.column('constructor');
  expect(island.kind).toBe('categorical');
  if (island.kind === 'categorical') expect([...island.dictionary].sort()).toEqual(['__proto__', 'toString', 'valueOf']);
  const species = frame.column('species');
  if (species.kind !== 'categorical') throw new Error(`species read as ${species.kind}`);
  expect([...species.dictionary].sort()).toEqual(['__proto__', 'constructor', 'hasOwnProperty']);
  for (const n of ['toString', 'valueOf', 'hasOwnProperty', '__proto__']) expect(frame.column(n).kind).toBe('numeric');
  // Row 1 of the fixture: "Torgersen",39.1,18.7,181,3750,"male",2007,"Adelie"
  expect([...HEADER].map((h) => cellString(frame.column(h), 0))).toEqual(['toString', '39.1', '18.7', '181', '3750', 'male', '2007', 'constructor']);
}

describe('Object.prototype names as columns and category values', () => {
  it('the CSV reader reads them (file, text, forced types as an object and as a Map)', async () => {
    const { frame, report } = await readTable(csv);
    expectProtoFrame(frame);
    expect(report.columnReports.map((c) => c.name)).toEqual(HEADER);
    expectProtoFrame(parseCsvText(text).frame);
    // Forced kinds keyed by these names: the caller's own keys only.
    const forced = Object.fromEntries([['__proto__', 'text'], ['constructor', 'text']]) as Record<string, 'text'>;
    const r = await readTable(csv, { types: forced });
    expect(r.frame.column('__proto__').kind).toBe('text');
    expect(r.frame.column('constructor').kind).toBe('text');
    expect(r.frame.column('toString').kind).toBe('numeric');
    expect(r.report.columnReports.filter((c) => c.forced).map((c) => c.name)).toEqual(['constructor', '__proto__']);
    const viaMap = await readTable(csv, { types: new Map([['valueOf', 'categorical' as const]]) });
    expect(viaMap.frame.column('valueOf').kind).toBe('categorical');
    // An inherited member is not a forced type: nothing is forced by a plain {}.
    expect((await readTable(csv, { types: {} })).report.columnReports.some((c) => c.forced)).toBe(false);
  });

  it.each([['parquet'], ['arrow']])('%s round trip keeps the names, kinds and labels', async (ext) => {
    const { frame } = await readTable(csv);
    const file = path.join(dir, `penguins-proto.${ext}`);
    if (ext === 'parquet') writeParquet(frame, file);
    else writeArrow(frame, file);
    const back = await readTable(file);
    expectProtoFrame(back.frame);
    const forced = await readTable(file, { types: Object.fromEntries([['__proto__', 'categorical']]) });
    expect(forced.frame.column('__proto__').kind).toBe('categorical');
  });

  it('rows, alignment counts and insights are keyed by these names', async () => {
    const { frame } = await readTable(csv);
    const row = frame.row(0);
    for (const n of NAMES) expect(Object.hasOwn(row, n)).toBe(true);
    expect(row.__proto__).toBe(3750);
    expect(row.constructor).toBe('toString');

    // Align data with an unseen island label and unparseable numbers in the "__proto__" column.
    const schema = schemaOf(frame, ['constructor', '__proto__', 'toString']);
    const bad = parseCsvText('constructor,__proto__,toString\nhasOwnProperty,abc,1\nvalueOf,xyz,2\nnowhere,3,3\n').frame;
    const aligned = alignToSchema(bad, schema);
    expect(Object.hasOwn(aligned.unseen, 'constructor') && aligned.unseen.constructor).toBe(2);
    expect(Object.hasOwn(aligned.invalid, '__proto__') && aligned.invalid.__proto__).toBe(2);
    expect(Object.keys(aligned.invalid)).toEqual(['__proto__']);

    const report = await insights(frame, { target: 'species', quickModel: false, workers: 1, seed: 0 });
    expect(report.features.map((f) => f.name).sort()).toEqual(HEADER.filter((h) => h !== 'species').sort());
    expect(report.target?.classes?.map((c) => c.label).sort()).toEqual(['__proto__', 'constructor', 'hasOwnProperty']);
    const island = report.features.find((f) => f.name === 'constructor')!;
    expect(island.topValues.map((t: { value: string }) => t.value).sort()).toEqual(['__proto__', 'toString', 'valueOf']);
    for (const sample of report.samples.anomalous.rows) expect(Object.keys(sample.values)).toEqual(HEADER);
  });

  it('the CLI inspects, trains on and predicts them', () => {
    const inspect = tabpilot('inspect', csv, '--json', '--target', 'species', '--type', '__proto__=numeric');
    expect(inspect.stderr).toBe('');
    expect(inspect.status).toBe(0);
    const summary = JSON.parse(inspect.stdout) as TableSummary;
    expect(summary.columnSummaries.map((c) => c.name)).toEqual(HEADER);
    expect(summary.columnSummaries.find((c) => c.name === '__proto__')).toMatchObject({ forced: true, min: 2700, max: 6300 });

    const model = path.join(dir, 'model');
    const train = tabpilot('train', csv, '--target', 'species', '--algorithm', 'linear', '--out', model);
    expect(train.stderr).toBe('');
    expect(train.status).toBe(0);
    expect(train.stdout).toMatch(/classes: (__proto__|constructor|hasOwnProperty), /);

    const out = path.join(dir, 'predictions.csv');
    const predict = tabpilot('predict', model, csv, '--out', out);
    expect(predict.status, predict.stderr).toBe(0);
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(ROWS + 1);
    expect(lines[0].split(',').sort()).toEqual(['predicted_label', 'probability', 'probability___proto__', 'probability_constructor', 'probability_hasOwnProperty'].sort());
    // Adelie penguins (now "constructor") are easy to tell apart: the first row is one.
    expect(lines[1].split(',')[0]).toBe('constructor');
  });

  it('command, analysis, operator and problem-type lookups do not find Object.prototype members', () => {
    const unknown = tabpilot('constructor');
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/^tabpilot: unknown command "constructor"/);
    const problem = tabpilot('insights', csv, '--target', 'species', '--problem-type', 'constructor', '--out', path.join(dir, 'x.html'));
    expect(problem.status).toBe(2);
    expect(problem.stderr).toMatch(/--problem-type expects regression, binary or multiclass, got "constructor"/);
    expect(analysisForOperator('toString')).toBeNull();
    expect(analysisForOperator('__proto__')).toBeNull();
    let thrown: unknown;
    try {
      analysisInfo('constructor');
    } catch (e) {
      thrown = e;
    }
    expect(isTabpilotError(thrown) && thrown.code).toBe('INVALID_ARGUMENT');
  });
});
