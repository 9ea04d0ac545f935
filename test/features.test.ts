import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openFeatureStore, onlineLookup } from '../src/features/index.js';
import { Frame, numericColumn, textColumn } from '../src/frame/index.js';
import { readParquet, readTable, writeParquet } from '../src/io/index.js';
import { TabpilotError } from '../src/util/errors.js';
import { FINANCES, financesFrame, financesStore, T0, tempDir } from './features-helpers.js';

const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(TabpilotError);
    return (e as TabpilotError).code;
  }
  throw new Error('expected a TabpilotError');
}

async function asyncCodeOf(p: Promise<unknown>): Promise<TabpilotError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(TabpilotError);
    return e as TabpilotError;
  }
  throw new Error('expected a TabpilotError');
}

function offlineFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.parquet')).sort();
}

describe('feature groups', () => {
  it('creates, describes, lists, adds features and deletes', () => {
    const dir = tempDir('fs-groups-');
    const store = financesStore(dir);
    expect(store.listFeatureGroups().map((g) => g.name)).toEqual(['finances']);
    const d = store.describeFeatureGroup('finances');
    expect(d.features).toHaveLength(9);
    expect(d.onlineRecords).toBe(0);
    expect(JSON.parse(readFileSync(path.join(dir, 'store/store.json'), 'utf8'))).toEqual({ format: 'tabpilot-feature-store', formatVersion: 1 });
    const g = store.addFeatures('finances', [{ name: 'score', type: 'Fractional' }]);
    expect(g.features.map((f) => f.name).slice(-2)).toEqual(['Price', 'score']);
    expect(codeOf(() => store.addFeatures('finances', [{ name: 'Income', type: 'Fractional' }]))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => store.createFeatureGroup({ ...g, ttl: null }))).toBe('GROUP_EXISTS');
    store.deleteFeatureGroup('finances');
    expect(store.listFeatureGroups()).toEqual([]);
    expect(codeOf(() => store.describeFeatureGroup('finances'))).toBe('UNKNOWN_GROUP');
    store.close();
  });

  it('rejects reserved and invalid names, bad types and bad key features', () => {
    const store = openFeatureStore(path.join(tempDir('fs-bad-'), 's'), { create: true });
    const base = { name: 'g', recordIdentifier: 'id', eventTime: 't', features: [{ name: 'id', type: 'String' as const }, { name: 't', type: 'String' as const }] };
    for (const reserved of ['is_deleted', 'write_time', 'api_invocation_time']) {
      const e = (() => { try { store.createFeatureGroup({ ...base, features: [...base.features, { name: reserved, type: 'String' }] }); } catch (x) { return x as TabpilotError; } })();
      expect(e?.code).toBe('INVALID_ARGUMENT');
      expect(e?.message).toContain('reserved');
    }
    expect(codeOf(() => store.createFeatureGroup({ ...base, name: 'bad name' }))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => store.createFeatureGroup({ ...base, features: [...base.features, { name: 'x', type: 'Float' as never }] }))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => store.createFeatureGroup({ ...base, recordIdentifier: 'nope' }))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => store.createFeatureGroup({ ...base, features: [{ name: 'id', type: 'Fractional' }, base.features[1]] }))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => store.createFeatureGroup({ ...base, ttl: '0d' }))).toBe('INVALID_ARGUMENT');
    expect(store.createFeatureGroup({ ...base, ttl: '7d' }).ttl).toEqual({ unit: 'Days', value: 7 });
    store.close();
  });

  it('refuses a store written by a newer format version, and a directory that is not a store', () => {
    const dir = tempDir('fs-version-');
    financesStore(dir).close();
    writeFileSync(path.join(dir, 'store/store.json'), JSON.stringify({ format: 'tabpilot-feature-store', formatVersion: 2 }));
    const e = (() => { try { openFeatureStore(path.join(dir, 'store')); } catch (x) { return x as TabpilotError; } })();
    expect(e?.code).toBe('STORE_VERSION');
    expect(e?.message).toMatch(/format version 2, newer than this tabpilot reads \(1\)/);
    expect(codeOf(() => openFeatureStore(path.join(dir, 'missing')))).toBe('FILE_NOT_FOUND');
    writeFileSync(path.join(dir, 'junk.txt'), 'x');
    expect(codeOf(() => openFeatureStore(dir, { create: true }))).toBe('STORE_VERSION');
  });
});

describe('ingestion', () => {
  it('ingests the real credit finances table, partitions it by event date, and is idempotent', async () => {
    const dir = tempDir('fs-ingest-');
    const store = financesStore(dir);
    const frame = await financesFrame();
    const r = await store.ingest('finances', frame);
    expect(r).toMatchObject({ records: 4329, written: 4329, unchanged: 0, rejected: [] });
    expect(r.files).toHaveLength(30);
    expect(r.files[0]).toMatch(/^year=2024\/month=01\/day=01\/part-.*\.parquet$/);
    const again = await store.ingest('finances', frame);
    expect(again).toMatchObject({ written: 0, unchanged: 4329, files: [] });
    const d = store.describeFeatureGroup('finances');
    expect(d).toMatchObject({ onlineRecords: 4329, offlineRecords: 4329, offlineFiles: 30 });
    // The first CSV row: A01931,48,60,75,5500,0,1085,1736
    expect(store.getRecord('finances', 'A01931')).toEqual({ applicant_id: 'A01931', updated_at: iso(T0), Time: 48, Expenses: 60, Income: 75, Assets: 5500, Debt: 0, Amount: 1085, Price: 1736 });
    // A changed value at the same identifier and event time is an update: written again, newer write wins.
    const changed = frame.head(1).withColumn(numericColumn('Income', Float64Array.of(99)));
    expect((await store.ingest('finances', changed)).written).toBe(1);
    expect(store.getRecord('finances', 'A01931')?.Income).toBe(99);
    store.close();
  });

  it('reads CSV (keeping leading zeros of String identifiers), Parquet and JSON Lines files', async () => {
    const dir = tempDir('fs-files-');
    const store = openFeatureStore(path.join(dir, 's'), { create: true });
    store.createFeatureGroup({ name: 'users', recordIdentifier: 'id', eventTime: 'ts', features: [
      { name: 'id', type: 'String' }, { name: 'ts', type: 'Fractional' }, { name: 'score', type: 'Fractional' }, { name: 'plan', type: 'Categorical' }, { name: 'seen', type: 'Datetime' },
    ] });
    writeFileSync(path.join(dir, 'a.csv'), 'id,ts,score,plan,seen\n007,1704067200,1.5,gold,2024-01-01\n008,1704067200.5,NA,silver,\n');
    writeFileSync(path.join(dir, 'b.jsonl'), '{"id":"009","ts":1704153600,"score":2.25,"plan":"gold"}\n\n{"id":"010","ts":1704153600,"seen":"2024-02-03T04:05:06Z"}\n');
    writeParquet(Frame.fromColumns([textColumn('id', ['011']), numericColumn('ts', Float64Array.of(1704240000)), numericColumn('score', Float64Array.of(-1))]), path.join(dir, 'c.parquet'));
    expect((await store.ingest('users', path.join(dir, 'a.csv'))).written).toBe(2);
    expect((await store.ingest('users', path.join(dir, 'b.jsonl'))).written).toBe(2);
    expect((await store.ingest('users', path.join(dir, 'c.parquet'))).written).toBe(1);
    expect(store.getRecord('users', '007')).toEqual({ id: '007', ts: 1704067200, score: 1.5, plan: 'gold', seen: '2024-01-01T00:00:00.000Z' });
    expect(store.getRecord('users', '008')).toMatchObject({ ts: 1704067200.5, score: null });
    expect(store.getRecord('users', '010')?.seen).toBe('2024-02-03T04:05:06.000Z');
    expect(store.getRecord('users', '011')?.score).toBe(-1);
    store.close();
  });

  it('refuses a batch with a bad record naming row and field (nothing written), or skips it on request', async () => {
    const dir = tempDir('fs-invalid-');
    const store = financesStore(dir);
    const csv = path.join(dir, 'bad.csv');
    writeFileSync(csv, 'applicant_id,updated_at,Income\nA1,2024-01-01T00:00:00Z,10\nA2,2024-01-01T00:00:00Z,ten\nA3,2024-01-01T00:00:00Z,1.5\nA4,2024-01-01T00:00:00Z,30\n');
    const e = await asyncCodeOf(store.ingest('finances', csv));
    expect(e.code).toBe('INVALID_RECORD');
    expect(e.message).toBe(`${csv}, column "Income": row 2: expected a number, got "ten" (2 bad records in all; nothing was written)`);
    expect(store.describeFeatureGroup('finances')).toMatchObject({ onlineRecords: 0, offlineFiles: 0 });
    expect(offlineFiles(path.join(dir, 'store'))).toEqual([]);
    const r = await store.ingest('finances', csv, { onInvalid: 'skip' });
    expect(r.written).toBe(2);
    expect(r.rejected.map((x) => [x.row, x.field])).toEqual([[2, 'Income'], [3, 'Income']]);
    expect(r.rejected[1].message).toMatch(/integer/);
    expect(store.getRecord('finances', 'A4')?.Income).toBe(30);
    expect(store.getRecord('finances', 'A2')).toBeNull();
    store.close();
  });

  it('names each kind of bad input with its own code', async () => {
    const dir = tempDir('fs-codes-');
    const store = financesStore(dir);
    const f = (cols: Record<string, (string | null)[]>) => Frame.fromColumns(Object.entries(cols).map(([k, v]) => textColumn(k, v)));
    const t = iso(T0);
    expect((await asyncCodeOf(store.ingest('nope', f({ applicant_id: ['a'], updated_at: [t] })))).code).toBe('UNKNOWN_GROUP');
    expect((await asyncCodeOf(store.ingest('finances', f({ applicant_id: ['a'], updated_at: [t], colour: ['red'] })))).code).toBe('SCHEMA_MISMATCH');
    expect((await asyncCodeOf(store.ingest('finances', f({ applicant_id: ['a'] })))).code).toBe('SCHEMA_MISMATCH');
    const missingId = await asyncCodeOf(store.ingest('finances', f({ applicant_id: ['a', null], updated_at: [t, t] })));
    expect([missingId.code, missingId.column, missingId.message]).toEqual(['INVALID_RECORD', 'applicant_id', expect.stringMatching(/row 2: missing record identifier/)]);
    const badTime = await asyncCodeOf(store.ingest('finances', f({ applicant_id: ['a'], updated_at: ['yesterday'] })));
    expect([badTime.code, badTime.column]).toEqual(['INVALID_RECORD', 'updated_at']);
    const noTime = await asyncCodeOf(store.ingest('finances', f({ applicant_id: ['a'], updated_at: [null] })));
    expect(noTime.message).toMatch(/missing event time/);
    const dup = await asyncCodeOf(store.ingest('finances', f({ applicant_id: ['a', 'b', 'a'], updated_at: [t, t, t] })));
    expect([dup.code, dup.message]).toEqual(['DUPLICATE_RECORD', expect.stringMatching(/row 3: duplicate record: identifier "a" with this event time is also row 1/)]);
    const ttl = await asyncCodeOf(store.ingest('finances', f({ applicant_id: ['a'], updated_at: [iso(Date.now() - 2 * DAY)] }), { ttl: '1d' }));
    expect([ttl.code, ttl.message]).toEqual(['INVALID_RECORD', expect.stringMatching(/TTL expires in the past/)]);
    expect(store.describeFeatureGroup('finances')).toMatchObject({ onlineRecords: 0, offlineFiles: 0 });
    store.close();
  });
});

describe('online store', () => {
  it('keeps the latest event time; on equal event times the newer write wins', () => {
    const store = financesStore();
    const put = (t: number, income: number) => store.putRecord('finances', { applicant_id: 'x', updated_at: iso(t), Income: income });
    expect(put(T0 + 2 * DAY, 200)).toBe(true);
    expect(put(T0 + DAY, 100)).toBe(true); // appended offline, ignored online
    expect(store.getRecord('finances', 'x')?.Income).toBe(200);
    put(T0 + 2 * DAY, 222);
    expect(store.getRecord('finances', 'x')?.Income).toBe(222);
    expect(put(T0 + 2 * DAY, 222)).toBe(false); // the same record again: nothing written
    expect(store.describeFeatureGroup('finances').offlineRecords).toBe(3);
    expect(store.getRecord('finances', 'x', ['Income'])).toEqual({ Income: 222 });
    store.close();
  });

  it('expires records after their TTL and purges them on the next write', () => {
    let now = T0;
    const dir = tempDir('fs-ttl-');
    const store = openFeatureStore(path.join(dir, 's'), { create: true, now: () => now });
    store.createFeatureGroup({ name: 'sessions', recordIdentifier: 'id', eventTime: 't', ttl: { unit: 'Hours', value: 2 }, features: [{ name: 'id', type: 'String' }, { name: 't', type: 'Datetime' }, { name: 'clicks', type: 'Integral' }] });
    store.putRecord('sessions', { id: 's1', t: new Date(T0), clicks: 3 });
    store.putRecord('sessions', { id: 's2', t: new Date(T0 + 3_600_000), clicks: 5 }, { ttl: '1d' });
    now = T0 + 2 * 3_600_000 - 1;
    expect(store.getRecord('sessions', 's1')?.clicks).toBe(3);
    now = T0 + 2 * 3_600_000;
    expect(store.getRecord('sessions', 's1')).toBeNull();
    expect(store.getRecord('sessions', 's2')?.clicks).toBe(5);
    store.putRecord('sessions', { id: 's3', t: new Date(now), clicks: 1 });
    expect(store.describeFeatureGroup('sessions').onlineRecords).toBe(2);
    store.close();
  });

  it('soft and hard deletes follow DeleteRecord: later event time required, markers appended offline', async () => {
    const store = financesStore();
    store.putRecord('finances', { applicant_id: 'a', updated_at: iso(T0 + DAY), Income: 1 });
    store.putRecord('finances', { applicant_id: 'b', updated_at: iso(T0 + DAY), Income: 2 });
    store.deleteRecord('finances', 'a', { eventTime: iso(T0) }); // not later: the record stays
    expect(store.getRecord('finances', 'a')?.Income).toBe(1);
    store.deleteRecord('finances', 'a', { eventTime: iso(T0 + 2 * DAY) });
    expect(store.getRecord('finances', 'a')).toBeNull();
    store.putRecord('finances', { applicant_id: 'a', updated_at: iso(T0 + DAY + 1), Income: 9 }); // older than the tombstone
    expect(store.getRecord('finances', 'a')).toBeNull();
    expect(codeOf(() => store.deleteRecord('finances', 'b', { eventTime: iso(T0 + DAY), mode: 'hard' }))).toBe('INVALID_ARGUMENT');
    store.deleteRecord('finances', 'b', { eventTime: iso(T0 + 3 * DAY), mode: 'hard' });
    expect(store.describeFeatureGroup('finances')).toMatchObject({ onlineRecords: 1, offlineRecords: 6 });
    const r = store.batchGetRecord([{ group: 'finances', ids: ['a', 'b'] }]);
    expect(r.records).toEqual([]);
    expect(r.notFound.map((x) => x.id)).toEqual(['a', 'b']);
    store.close();
  });

  it('batch gets and serves lookups as Frames in request order', async () => {
    const store = financesStore();
    await store.ingest('finances', (await financesFrame()).head(50));
    const r = store.batchGetRecord([{ group: 'finances', ids: ['A01931', 'nope', 'A01600'], features: ['Income', 'Price'] }]);
    expect(r.records.map((x) => [x.id, x.record])).toEqual([['A01931', { Income: 75, Price: 1736 }], ['A01600', { Income: 110, Price: 936 }]]);
    expect(r.notFound).toEqual([{ group: 'finances', id: 'nope' }]);
    const lookup = onlineLookup(store, 'finances');
    const frame = lookup(['A01600', 'nope', 'A01931']);
    expect(frame.numRows).toBe(3);
    expect(Array.from((frame.column('Price') as { values: Float64Array }).values)).toEqual([936, NaN, 1736]);
    expect(frame.column('applicant_id').kind).toBe('text');
    store.close();
  });
});

describe('offline store', () => {
  it('writes Parquet any reader can open, with write_time and is_deleted columns', async () => {
    const dir = tempDir('fs-offline-');
    const store = financesStore(dir);
    await store.ingest('finances', (await financesFrame()).head(40));
    store.deleteRecord('finances', 'A01931', { eventTime: iso(T0 + 5 * DAY) });
    const files = offlineFiles(path.join(dir, 'store/offline/finances'));
    expect(files).toHaveLength(31);
    const day6 = files.filter((f) => f.startsWith('year=2024/month=01/day=06/'));
    expect(day6).toHaveLength(2); // the ingest's file for that date and the deletion marker's
    const { frame } = await readParquet(path.join(dir, 'store/offline/finances', day6[0]));
    expect(frame.columnNames).toEqual(['applicant_id', 'updated_at', 'Time', 'Expenses', 'Income', 'Assets', 'Debt', 'Amount', 'Price', 'api_invocation_time', 'write_time', 'is_deleted']);
    // Another Parquet implementation (polars, Rust) reads the same files.
    const pl = createRequire(import.meta.url)('nodejs-polars') as typeof import('nodejs-polars');
    let total = 0;
    let deleted = 0;
    for (const f of files) {
      const df = pl.readParquet(path.join(dir, 'store/offline/finances', f));
      total += df.height;
      deleted += df.getColumn('is_deleted').sum() as number;
    }
    expect([total, deleted]).toEqual([41, 1]);
    store.close();
  });
});

describe('build-dataset input', () => {
  it('takes the entity time as ISO text and refuses missing entity times', async () => {
    const store = financesStore();
    await store.ingest('finances', await financesFrame());
    const { frame: applicants } = await readTable(path.join(path.dirname(FINANCES), 'credit_applicants.csv'));
    const entities = applicants.withColumn(textColumn('updated_at', Array.from({ length: applicants.numRows }, () => iso(T0 + 40 * DAY))));
    const ds = await store.buildDataset({ entities, groups: ['finances'] });
    expect(ds.numRows).toBe(4454);
    const price = ds.column('Price') as { values: Float64Array };
    let matched = 0;
    for (const v of price.values) if (!Number.isNaN(v)) matched++;
    expect(matched).toBe(4329); // every applicant that has finances (4329 of 4454)
    const bad = entities.withColumn(textColumn('updated_at', Array.from({ length: applicants.numRows }, (_, i) => (i === 3 ? null : iso(T0)))));
    const e = await asyncCodeOf(store.buildDataset({ entities: bad, groups: ['finances'] }));
    expect([e.code, e.message]).toEqual(['INVALID_RECORD', 'column "updated_at": entity row 4: missing or unparseable event time']);
    store.close();
  });
});
