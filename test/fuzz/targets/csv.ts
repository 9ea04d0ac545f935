/**
 * Fuzz target: the CSV reader. Cases are random byte strings and mutated heads of real CSVs (byte flips,
 * inserted quotes / delimiters / line breaks / NUL / invalid UTF-8, truncations, duplicated lines, header
 * names that are Object.prototype members), read with varied options. Only a TabpilotError may escape; the
 * harness counts a case slower than HANG_MS as a hang.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { parseCsvBytes, type ReadOptions } from '../../../src/io/index.js';
import { FuzzTally, type FuzzReport } from '../harness.js';

const FIXTURES = ['pima_diabetes2.csv', 'penguins.csv', 'glass.csv', 'house_votes84.csv'];
/** Lines of each fixture used as the seed corpus: enough for a header and a few dozen varied rows. */
const SEED_LINES = 40;
/** Longest random byte string. */
const MAX_RANDOM_BYTES = 2_000;
/** Bytes that matter to a CSV tokenizer, plus NUL, a lone UTF-8 lead byte, a UTF-16 BOM half and a UTF-8 BOM. */
const SPECIAL = [0x22, 0x2c, 0x3b, 0x09, 0x0a, 0x0d, 0x00, 0xc3, 0xff, 0xef, 0xbb, 0xbf, 0x7c, 0x20];
const PROTO_NAMES = ['constructor', '__proto__', 'toString', 'valueOf', 'hasOwnProperty'];

function corpus(): Buffer[] {
  const root = path.resolve(import.meta.dirname, '..', '..', '..', 'fixtures');
  return FIXTURES.map((f) => Buffer.from(readFileSync(path.join(root, f), 'utf8').split('\n').slice(0, SEED_LINES).join('\n') + '\n'));
}

type Mutation =
  | { op: 'flip'; at: number; xor: number }
  | { op: 'insert'; at: number; byte: number; times: number }
  | { op: 'truncate'; at: number }
  | { op: 'duplicate'; at: number }
  | { op: 'proto-header'; name: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('flip' as const), at: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), byte: fc.constantFrom(...SPECIAL), times: fc.integer({ min: 1, max: 4 }) }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('duplicate' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('proto-header' as const), name: fc.nat({ max: PROTO_NAMES.length - 1 }) }),
);

function mutate(base: Buffer, mutations: readonly Mutation[]): Buffer {
  let b = base;
  for (const m of mutations) {
    const at = b.length === 0 ? 0 : m.op === 'proto-header' ? 0 : (m as { at: number }).at % b.length;
    switch (m.op) {
      case 'flip':
        if (b.length > 0) (b = Buffer.from(b))[at] ^= m.xor;
        break;
      case 'insert':
        b = Buffer.concat([b.subarray(0, at), Buffer.alloc(m.times, m.byte), b.subarray(at)]);
        break;
      case 'truncate':
        b = b.subarray(0, at);
        break;
      case 'duplicate': {
        const end = b.indexOf(0x0a, at);
        b = Buffer.concat([b, b.subarray(at, end < 0 ? b.length : end + 1)]);
        break;
      }
      case 'proto-header': {
        const comma = b.indexOf(0x2c);
        if (comma > 0) b = Buffer.concat([Buffer.from(PROTO_NAMES[m.name]), b.subarray(comma)]);
        break;
      }
    }
  }
  return b;
}

const options: fc.Arbitrary<ReadOptions> = fc.record(
  {
    onRaggedRow: fc.constantFrom('error' as const, 'skip' as const),
    onInvalidUtf8: fc.constantFrom('error' as const, 'replace' as const),
    limit: fc.integer({ min: 1, max: 50 }),
    inferenceRows: fc.integer({ min: 1, max: 20 }),
    header: fc.boolean(),
  },
  { requiredKeys: [] },
);

/** Runs `runs` cases from `seed` through parseCsvBytes (the byte-level reader readCsv and readTable use). */
export async function fuzzCsv(runs: number, seed: number): Promise<FuzzReport> {
  const seeds = corpus();
  const input = fc.oneof(
    fc.uint8Array({ maxLength: MAX_RANDOM_BYTES }).map((a) => Buffer.from(a)),
    fc.tuple(fc.nat({ max: seeds.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 6 })).map(([i, ms]) => mutate(seeds[i], ms)),
  );
  const tally = new FuzzTally('csv');
  for (const [bytes, opts] of fc.sample(fc.tuple(input, options), { seed, numRuns: runs })) {
    await tally.run({ bytes: bytes.toString('latin1'), opts }, () => parseCsvBytes(bytes, { ...opts, sourceName: 'fuzz.csv' }));
  }
  return tally.report();
}

export default fuzzCsv;
