import { describe, expect, it } from 'vitest';
import { Frame, Pipeline, TabpilotError, getLearnerSpec, predictionFrame, readTable, train } from '../src/index.js';

describe('public API: records in, records out', () => {
  it('Frame.fromRecords infers kinds from JS values and honours a schema', () => {
    const f = Frame.fromRecords([
      { age: 31, city: 'Oslo', member: true, seen: new Date('2024-01-02T00:00:00Z'), zip: '0150' },
      { age: null, city: 'Bergen', member: false, zip: '5003', constructor: 'x' },
    ], { zip: 'categorical' });
    expect(f.columnNames).toEqual(['zip', 'age', 'city', 'member', 'seen', 'constructor']);
    expect(f.column('age').kind).toBe('numeric');
    expect(f.column('city').kind).toBe('categorical');
    expect(f.column('member').kind).toBe('boolean');
    expect(f.column('seen').kind).toBe('datetime');
    expect(f.column('zip').kind).toBe('categorical');
    expect(f.toRows()[1]!.age).toBeNull();
    expect(f.toRows()[0]!.constructor).toBeNull();
  });

  it('Frame.fromRecords names the record and field of a value that does not fit the schema', () => {
    expect(() => Frame.fromRecords([{ a: 1 }, { a: 'many' }], { a: 'numeric' })).toThrow(/record 1, field "a"/);
    try {
      Frame.fromRecords([{ a: 'x' }], { a: 'boolean' });
    } catch (e) {
      expect(e).toBeInstanceOf(TabpilotError);
      expect((e as TabpilotError).code).toBe('INVALID_ARGUMENT');
    }
  });

  it('train() on records returns a Pipeline whose predictRecords equals predict on the frame', async () => {
    const { frame } = await readTable('fixtures/penguins.csv');
    const records = frame.toRows();
    const pipeline = await train({ data: records, target: 'species', algorithm: 'gbdt', hyperparameters: { numRounds: 20 }, seed: 0 });
    expect(pipeline).toBeInstanceOf(Pipeline);
    const viaRecords = pipeline.predictRecords(records.slice(0, 25));
    const viaFrame = predictionFrame(pipeline.predict(frame.head(25))).toRows();
    expect(viaRecords.map((r) => r.predicted_label)).toEqual(viaFrame.map((r) => r.predicted_label));
    expect(viaRecords[0]!.probability).toBeCloseTo(viaFrame[0]!.probability as number, 12);
    // Training accuracy of a 20-round GBDT on penguins is far above chance: the records really reached the model.
    const all = pipeline.predictRecords(records);
    const hits = all.filter((r, i) => r.predicted_label === records[i]!.species).length;
    expect(hits / records.length).toBeGreaterThan(0.9);
  });

  it('getLearnerSpec is typed by kind', () => {
    const spec = getLearnerSpec('gbdt');
    const rounds: number = spec.defaults.numRounds;
    expect(rounds).toBeGreaterThan(0);
  });
});
