/**
 * Fuzz target: the serve payload decoders (src/serve/payload.ts), what /invocations runs on every body.
 * Cases are rows of real pima data and of a mixed-kind schema (numeric, categorical, boolean, datetime, text)
 * with valid and hostile cells (hex, Infinity, quotes, Object.prototype names, nested JSON), encoded as CSV,
 * JSON or JSON Lines, then mutated character by character (flips, inserted quotes / commas / brackets / line
 * breaks / NUL, truncations, duplicated spans), plus random strings; each is decoded as a random format under a
 * random row limit. A decoder may accept (and then must return one column per feature, of the feature's kind,
 * with 1..maxRows rows) or reject with a TabpilotError (the server answers those 4xx); anything else is a bug.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import type { FeatureSchema } from '../../../src/frame/align.js';
import type { PayloadFormat } from '../../../src/serve/negotiate.js';
import { decodePayload } from '../../../src/serve/payload.js';
import { FuzzTally, type FuzzReport } from '../harness.js';

const PIMA: FeatureSchema[] = ['pregnant', 'glucose', 'pressure', 'triceps', 'insulin', 'mass', 'pedigree', 'age'].map((name) => ({ name, kind: 'numeric' }));
const MIXED: FeatureSchema[] = [
  { name: 'bill_length_mm', kind: 'numeric' },
  { name: 'island', kind: 'categorical', dictionary: ['Biscoe', 'Dream', 'Torgersen', 'constructor'] },
  { name: 'flag', kind: 'boolean' },
  { name: 'when', kind: 'datetime' },
  { name: 'note', kind: 'text' },
];
/** Rows of pima used as the seed corpus. */
const SEED_ROWS = 60;
/** Most rows in a generated body. */
const MAX_BODY_ROWS = 20;
/** Largest row limit tried (about a quarter of the bodies exceed the limit drawn). */
const MAX_ROWS = 40;
/** Longest random string body. */
const MAX_RANDOM_CHARS = 2_000;
const FORMATS: readonly PayloadFormat[] = ['csv', 'json', 'jsonlines'];
/** Characters that matter to the CSV and JSON grammars, plus NUL, a lone surrogate and a byte-order mark. */
const SPECIAL = ['"', ',', '\n', '\r', '{', '}', '[', ']', ':', '\\', '\u0000', '\ud800', '\ufeff', ' '];
const HOSTILE_CELLS = ['', 'NaN', 'null', 'NA', 'None', '0x10', 'Infinity', '-Infinity', '1e400', '1_000', 'true', 'no', '2020-01-02', '2020-13-45', 'Dream', 'constructor', '__proto__', 'toString', '"', ',', '\n', 'features', 'instances'];

function pimaRows(): string[][] {
  const file = path.resolve(import.meta.dirname, '..', '..', '..', 'fixtures', 'pima_diabetes2.csv');
  return readFileSync(file, 'utf8').trim().split('\n').slice(1, SEED_ROWS + 1).map((l) => l.split(',').slice(0, PIMA.length));
}

type Cell = string | number | boolean | null | object;
const cell: fc.Arbitrary<Cell> = fc.oneof(
  fc.constantFrom(...HOSTILE_CELLS),
  fc.double().map(String),
  fc.double(),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.string({ maxLength: 12 }),
  fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Cell>,
);

function csvField(v: Cell, quoteAll: boolean): string {
  const s = v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
  return quoteAll || /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

type Encoding = 'csv' | 'csv-quoted' | 'json-arrays' | 'json-objects' | 'json-bare' | 'jsonl';
const FORMAT_OF: Readonly<Record<Encoding, PayloadFormat>> = { csv: 'csv', 'csv-quoted': 'csv', 'json-arrays': 'json', 'json-objects': 'json', 'json-bare': 'json', jsonl: 'jsonlines' };

function encode(rows: readonly (readonly Cell[])[], features: readonly FeatureSchema[], how: Encoding): string {
  const asObject = (r: readonly Cell[]) => Object.fromEntries(r.map((v, i) => [features[i]?.name ?? `extra${i}`, v]));
  switch (how) {
    case 'csv':
    case 'csv-quoted':
      return rows.map((r) => r.map((v) => csvField(v, how === 'csv-quoted')).join(',')).join('\n');
    case 'json-arrays':
      return JSON.stringify({ instances: rows });
    case 'json-objects':
      return JSON.stringify({ instances: rows.map(asObject) });
    case 'json-bare':
      return JSON.stringify(rows.map((r) => ({ features: r })));
    case 'jsonl':
      return rows.map((r) => JSON.stringify(r)).join('\n');
  }
}

type Mutation = { op: 'flip'; at: number; xor: number } | { op: 'insert'; at: number; text: string } | { op: 'truncate'; at: number } | { op: 'duplicate'; at: number; length: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('flip' as const), at: fc.nat(), xor: fc.integer({ min: 1, max: 127 }) }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), text: fc.constantFrom(...SPECIAL) }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('duplicate' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 200 }) }),
);

function mutate(body: string, mutations: readonly Mutation[]): string {
  let s = body;
  for (const m of mutations) {
    const at = s.length === 0 ? 0 : m.at % s.length;
    switch (m.op) {
      case 'flip':
        if (s.length > 0) s = s.slice(0, at) + String.fromCharCode(s.charCodeAt(at) ^ m.xor) + s.slice(at + 1);
        break;
      case 'insert':
        s = s.slice(0, at) + m.text + s.slice(at);
        break;
      case 'truncate':
        s = s.slice(0, at);
        break;
      case 'duplicate':
        s = s + s.slice(at, at + m.length);
        break;
    }
  }
  return s;
}

export interface Case {
  readonly schema: 'pima' | 'mixed';
  readonly body: string;
  readonly format: PayloadFormat;
  readonly maxRows: number;
}

function caseArbitrary(seeds: string[][]): fc.Arbitrary<Case> {
  const encoding = fc.constantFrom<Encoding>('csv', 'csv-quoted', 'json-arrays', 'json-objects', 'json-bare', 'jsonl');
  // Most bodies are decoded as the format they were written in, the rest as another one.
  const format = (how: Encoding) => fc.oneof({ arbitrary: fc.constant(FORMAT_OF[how]), weight: 3 }, { arbitrary: fc.constantFrom(...FORMATS), weight: 1 });
  const pimaBody = fc
    .tuple(fc.array(fc.nat({ max: seeds.length - 1 }), { minLength: 1, maxLength: MAX_BODY_ROWS }), encoding)
    .chain(([idx, how]) => format(how).map((f) => ({ schema: 'pima' as const, format: f, body: encode(idx.map((i) => seeds[i].map((v) => (v === '' ? null : Number(v)))), PIMA, how) })));
  const width = MIXED.length;
  const row = fc.array(cell, { minLength: width - 1, maxLength: width + 1 });
  const mixedBody = fc
    .tuple(fc.array(row, { minLength: 0, maxLength: MAX_BODY_ROWS }), encoding)
    .chain(([rows, how]) => format(how).map((f) => ({ schema: 'mixed' as const, format: f, body: encode(rows, MIXED, how) })));
  const randomBody = fc
    .tuple(fc.constantFrom('pima' as const, 'mixed' as const), fc.string({ unit: 'binary', maxLength: MAX_RANDOM_CHARS }), fc.constantFrom(...FORMATS))
    .map(([schema, body, f]) => ({ schema, body, format: f }));
  // Pima bodies are mutated lightly (often not at all), so many of them decode.
  const mutated = fc.tuple(fc.oneof({ arbitrary: pimaBody, weight: 2 }, { arbitrary: mixedBody, weight: 1 }), fc.array(mutation, { maxLength: 3 })).map(([c, ms]) => ({ ...c, body: mutate(c.body, ms) }));
  return fc
    .tuple(fc.oneof({ arbitrary: mutated, weight: 4 }, { arbitrary: randomBody, weight: 1 }), fc.integer({ min: 1, max: MAX_ROWS }))
    .map(([c, maxRows]) => ({ ...c, maxRows }));
}

/** The cases `fuzzServePayload(runs, seed)` runs. */
function servePayloadCases(runs: number, seed: number): Case[] {
  return fc.sample(caseArbitrary(pimaRows()), { seed, numRuns: runs });
}

/**
 * Decodes one case: returns when accepted, throws the decoder's TabpilotError when rejected, and throws a plain
 * Error (a bug, not a rejection) when an accepted payload is not what the model needs.
 */
function decodeCase(c: Case): void {
  const features = c.schema === 'pima' ? PIMA : MIXED;
  const { frame } = decodePayload(c.body, c.format, features, { maxRows: c.maxRows });
  if (frame.numRows < 1 || frame.numRows > c.maxRows) throw new Error(`accepted ${frame.numRows} rows with maxRows ${c.maxRows}`);
  const got = frame.columns.map((col) => `${col.name}:${col.kind}`).join(',');
  const want = features.map((f) => `${f.name}:${f.kind}`).join(',');
  if (got !== want) throw new Error(`decoded columns ${got}, expected ${want}`);
}

/** Runs `runs` cases from `seed` through decodePayload; only TabpilotError rejections are clean. */
export async function fuzzServePayload(runs: number, seed: number): Promise<FuzzReport> {
  const tally = new FuzzTally('serve-payload');
  for (const c of servePayloadCases(runs, seed)) await tally.run(c, () => decodeCase(c));
  return tally.report();
}

export default fuzzServePayload;
