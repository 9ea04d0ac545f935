import { describe, expect, it } from 'vitest';
import { asOfJoin, openFeatureStore } from '../src/features/index.js';
import { Frame, datetimeColumn, numericColumn, textColumn } from '../src/frame/index.js';
import { Random } from '../src/util/random.js';
import { T0, tempDir } from './features-helpers.js';
import path from 'node:path';

const DAY = 86_400_000;

interface Rec {
  id: string;
  t: number;
  value: number | null;
  deleted: boolean;
  /** Order of the write (later writes win among equal event times). */
  seq: number;
}

/** The as-of answer by brute force: scan every record of the id. */
function bruteForce(recs: readonly Rec[], id: string, t: number, maxAge = Infinity): Rec | null {
  let best: Rec | null = null;
  for (const r of recs) {
    if (r.id !== id || r.t > t) continue;
    if (best === null || r.t > best.t || (r.t === best.t && r.seq > best.seq)) best = r;
  }
  if (best === null || best.deleted || t - best.t > maxAge) return null;
  return best;
}

describe('asOfJoin against a brute-force reference (seeded random data)', () => {
  for (const seed of [1, 2, 3]) {
    it(`seed ${seed}: ties, deletion markers, unmatched ids and a max age`, () => {
      const rng = new Random(seed);
      const nRight = 3000;
      const ids = Array.from({ length: 200 }, (_, i) => `id${i}`);
      // Coarse times (whole hours over 10 days) so equal event times and entity times on a record are common.
      const hour = () => T0 + rng.int(240) * 3_600_000;
      const recs: Rec[] = Array.from({ length: nRight }, (_, seq) => ({ id: ids[rng.int(ids.length)], t: hour(), value: seq, deleted: rng.next() < 0.1, seq }));
      // Writes in shuffled order: the write time, not the array position, decides ties.
      const writeTimes = Float64Array.from(recs, (r) => 1e12 + r.seq);
      const order = Array.from({ length: nRight }, (_, i) => i);
      rng.shuffle(order);
      const right = {
        ids: order.map((i) => recs[i].id), times: Float64Array.from(order, (i) => recs[i].t),
        writeTimes: Float64Array.from(order, (i) => writeTimes[i]), deleted: Uint8Array.from(order, (i) => (recs[i].deleted ? 1 : 0)),
      };
      const nLeft = 5000;
      const left = { ids: Array.from({ length: nLeft }, () => (rng.next() < 0.05 ? 'unknown' : ids[rng.int(ids.length)])), times: Float64Array.from({ length: nLeft }, hour) };
      for (const maxAge of [Infinity, 36 * 3_600_000]) {
        const match = asOfJoin(left, right, maxAge);
        let matched = 0;
        for (let i = 0; i < nLeft; i++) {
          const expected = bruteForce(recs, left.ids[i], left.times[i], maxAge);
          const got = match[i] < 0 ? null : recs[order[match[i]]];
          expect(got?.seq ?? null).toBe(expected?.seq ?? null);
          if (got !== null) matched++;
        }
        expect(matched).toBeGreaterThan(nLeft / 3);
      }
    });
  }
});

describe('buildDataset through the store equals the brute-force reference', () => {
  it('random puts, same-time updates and deletes across two groups; maxAge', async () => {
    const rng = new Random(42);
    const store = openFeatureStore(path.join(tempDir('fs-pit-'), 's'), { create: true });
    store.createFeatureGroup({ name: 'a', recordIdentifier: 'user', eventTime: 'ts', features: [{ name: 'user', type: 'String' }, { name: 'ts', type: 'String' }, { name: 'x', type: 'Fractional' }] });
    store.createFeatureGroup({ name: 'b', recordIdentifier: 'user', eventTime: 'when', features: [{ name: 'user', type: 'String' }, { name: 'when', type: 'Datetime' }, { name: 'y', type: 'Integral' }] });
    const users = Array.from({ length: 40 }, (_, i) => `u${i}`);
    const time = () => T0 + rng.int(20 * 24) * 3_600_000;
    const log: Record<'a' | 'b', Rec[]> = { a: [], b: [] };
    let seq = 0;
    for (let batch = 0; batch < 4; batch++) {
      for (const g of ['a', 'b'] as const) {
        const keys = new Set<string>();
        const rows: Rec[] = [];
        while (rows.length < 150) {
          const id = users[rng.int(users.length)];
          // Later batches re-send earlier (id, time) pairs with new values: updates at the same event time.
          const earlier = log[g].length > 0 && rng.next() < 0.2 ? log[g][rng.int(log[g].length)] : null;
          const t = earlier?.id === id ? earlier.t : time();
          if (keys.has(`${id}|${t}`)) continue;
          keys.add(`${id}|${t}`);
          rows.push({ id, t, value: rng.int(1000), deleted: false, seq: seq++ });
        }
        const cols = g === 'a'
          ? [textColumn('user', rows.map((r) => r.id)), textColumn('ts', rows.map((r) => new Date(r.t).toISOString())), numericColumn('x', Float64Array.from(rows, (r) => r.value!))]
          : [textColumn('user', rows.map((r) => r.id)), datetimeColumn('when', Float64Array.from(rows, (r) => r.t)), numericColumn('y', Float64Array.from(rows, (r) => r.value!))];
        await store.ingest(g, Frame.fromColumns(cols));
        log[g].push(...rows);
      }
      for (let k = 0; k < 5; k++) {
        const id = users[rng.int(users.length)];
        const t = time();
        store.deleteRecord('a', id, { eventTime: new Date(t).toISOString() });
        log.a.push({ id, t, value: null, deleted: true, seq: seq++ });
      }
    }
    const n = 800;
    const entities = Frame.fromColumns([
      textColumn('user', Array.from({ length: n }, () => users[rng.int(users.length)])),
      datetimeColumn('ts', Float64Array.from({ length: n }, time)),
    ]);
    for (const maxAge of [undefined, '2d'] as const) {
      const ds = await store.buildDataset({ entities, groups: ['a', 'b'], maxAge });
      const x = (ds.column('x') as { values: Float64Array }).values;
      const y = (ds.column('y') as { values: Float64Array }).values;
      const age = maxAge === undefined ? Infinity : 2 * DAY;
      const ids = entities.column('user') as { values: string[] };
      const ts = (entities.column('ts') as { values: Float64Array }).values;
      let hits = 0;
      for (let i = 0; i < n; i++) {
        const ea = bruteForce(log.a, ids.values[i], ts[i], age);
        const eb = bruteForce(log.b, ids.values[i], ts[i], age);
        expect([Number.isNaN(x[i]) ? null : x[i], Number.isNaN(y[i]) ? null : y[i]]).toEqual([ea?.value ?? null, eb?.value ?? null]);
        if (ea !== null) hits++;
      }
      expect(hits).toBeGreaterThan(n / 4);
    }
    store.close();
  });
});
