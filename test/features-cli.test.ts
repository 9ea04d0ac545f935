import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readTable, writeCsv } from '../src/io/index.js';
import { textColumn } from '../src/frame/index.js';
import { APPLICANTS, financesFrame, ROOT, T0, tempDir } from './features-helpers.js';

const CLI = path.join(ROOT, 'dist/src/cli/main.js');
const TSC = path.join(ROOT, 'node_modules/typescript/bin/tsc');
const DAY = 86_400_000;

function cli(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

let dir: string;
beforeAll(async () => {
  if (!existsSync(CLI)) execFileSync(process.execPath, [TSC, '-p', path.join(ROOT, 'tsconfig.json')], { cwd: ROOT });
  dir = tempDir('fs-cli-');
  writeCsv(await financesFrame(), path.join(dir, 'finances.csv'));
  // Entities: every applicant (with its Status label), observed on 2024-02-10.
  const { frame } = await readTable(APPLICANTS, { types: { applicant_id: 'text' } });
  writeCsv(frame.select(['applicant_id', 'Status']).withColumn(textColumn('updated_at', Array.from({ length: frame.numRows }, () => new Date(T0 + 40 * DAY).toISOString()))), path.join(dir, 'entities.csv'));
});

describe('tabpilot features', () => {
  it('create -> ingest -> get -> describe -> build-dataset -> train', () => {
    const features = ['applicant_id:String', 'updated_at:String', ...['Time', 'Expenses', 'Income', 'Assets', 'Debt', 'Amount', 'Price'].map((c) => `${c}:Integral`)];
    const create = cli(['features', 'create', 'finances', '--id', 'applicant_id', '--event-time', 'updated_at', ...features.flatMap((f) => ['--feature', f]), '--json'], dir);
    expect(create.code, create.err).toBe(0);
    expect(JSON.parse(create.out)).toMatchObject({ name: 'finances', recordIdentifier: 'applicant_id', online: true, offline: true });
    const ingest = cli(['features', 'ingest', 'finances', 'finances.csv', '--json'], dir);
    expect(ingest.code, ingest.err).toBe(0);
    expect(JSON.parse(ingest.out)).toMatchObject({ records: 4329, written: 4329, unchanged: 0 });
    const again = cli(['features', 'ingest', 'finances', 'finances.csv'], dir);
    expect(again.out.trim()).toBe('finances: 4329 records, 0 written, 4329 already stored, 0 rejected');
    const get = cli(['features', 'get', 'finances', 'A01931', 'nope', '--json'], dir);
    expect(get.code).toBe(0);
    expect(JSON.parse(get.out)).toEqual({ records: [{ group: 'finances', id: 'A01931', record: expect.objectContaining({ Income: 75, Price: 1736 }) }], notFound: [{ group: 'finances', id: 'nope' }] });
    expect(cli(['features', 'get', 'finances', 'nope'], dir).code).toBe(1);
    const describeOut = cli(['features', 'describe', 'finances'], dir).out;
    expect(describeOut).toMatch(/online: 4329 records; offline: 4329 records in 30 files; ttl: none/);
    expect(JSON.parse(cli(['features', 'list', '--json'], dir).out).map((g: { name: string }) => g.name)).toEqual(['finances']);
    const ds = cli(['features', 'build-dataset', 'entities.csv', '--group', 'finances', '--out', 'train.csv'], dir);
    expect(ds.code, ds.err).toBe(0);
    expect(ds.out.trim()).toBe('wrote train.csv: 4454 rows, 10 columns');
    const lines = readFileSync(path.join(dir, 'train.csv'), 'utf8').trim().split('\n');
    expect(lines[0]).toBe('applicant_id,Status,updated_at,Time,Expenses,Income,Assets,Debt,Amount,Price');
    const train = cli(['train', 'train.csv', '--target', 'Status', '--algorithm', 'linear', '--out', 'model'], dir);
    expect(train.code, train.err).toBe(0);
    expect(existsSync(path.join(dir, 'model/model.json'))).toBe(true);
  });

  it('create from a JSON definition, update, delete records and groups', () => {
    const def = { name: 'profiles', recordIdentifier: 'id', eventTime: 'ts', ttl: '30d', features: [{ name: 'id', type: 'Integral' }, { name: 'ts', type: 'Fractional' }, { name: 'tier', type: 'Categorical' }] };
    writeFileSync(path.join(dir, 'profiles.json'), JSON.stringify(def));
    expect(cli(['features', 'create', '--definition', 'profiles.json', '--store', 'st2'], dir).code).toBe(0);
    expect(cli(['features', 'update', 'profiles', '--feature', 'score:Fractional', '--store', 'st2'], dir).out.trim()).toBe('profiles: 4 features');
    const now = Math.floor(Date.now() / 1000);
    writeFileSync(path.join(dir, 'p.jsonl'), `{"id":1,"ts":${now},"tier":"gold"}\n{"id":2,"ts":${now},"tier":"silver","score":0.5}\n`);
    expect(cli(['features', 'ingest', 'profiles', 'p.jsonl', '--store', 'st2'], dir).code).toBe(0);
    expect(JSON.parse(cli(['features', 'get', 'profiles', '2', '--store', 'st2', '--json'], dir).out).records[0].record).toEqual({ id: 2, ts: now, tier: 'silver', score: 0.5 });
    expect(cli(['features', 'delete', 'profiles', '--id', '2', '--store', 'st2'], dir).code).toBe(0);
    expect(cli(['features', 'get', 'profiles', '2', '--store', 'st2'], dir).out.trim()).toBe('2: not found');
    expect(cli(['features', 'delete', 'profiles', '--whole-group', '--store', 'st2'], dir).code).toBe(0);
    expect(cli(['features', 'list', '--store', 'st2'], dir).out.trim()).toBe('(no feature groups)');
  });

  it('bad input: one line naming file, row and column, exit code 2', () => {
    writeFileSync(path.join(dir, 'bad.csv'), 'applicant_id,updated_at,Income\nZ1,2024-01-01T00:00:00Z,1\nZ2,not a time,2\n');
    const r = cli(['features', 'ingest', 'finances', 'bad.csv'], dir);
    expect(r.code).toBe(2);
    expect(r.err.trim()).toBe('tabpilot: bad.csv, column "updated_at": row 2: unparseable event time "not a time" (ISO-8601 like 2024-03-05T14:30:00Z, years 0000-9999) (nothing was written)');
    const skip = cli(['features', 'ingest', 'finances', 'bad.csv', '--on-invalid', 'skip'], dir);
    expect(skip.code).toBe(0);
    expect(skip.out).toMatch(/1 written, 0 already stored, 1 rejected\n {2}rejected row 2, column "updated_at"/);
    expect(cli(['features', 'describe', 'nope'], dir)).toMatchObject({ code: 2, err: expect.stringMatching(/^tabpilot: no feature group "nope" in .*; groups are: finances\n$/) });
    expect(cli(['features', 'list', '--store', 'missing-dir'], dir)).toMatchObject({ code: 2, err: expect.stringMatching(/no feature store here/) });
    expect(cli(['features', 'create', 'x', '--id', 'id', '--event-time', 't', '--feature', 'id:String', '--feature', 't:String', '--feature', 'is_deleted:String'], dir).err).toMatch(/reserved/);
    expect(cli(['features', 'frobnicate'], dir).code).toBe(2);
    const help = cli(['features', 'build-dataset', '--help'], dir);
    expect([help.code, help.out]).toEqual([0, expect.stringContaining('features build-dataset ENTITIES --group A')]);
  });
});
