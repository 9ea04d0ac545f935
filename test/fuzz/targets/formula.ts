/**
 * Fuzz target: the custom-formula parser and type checker (src/wrangle/formula/parse.ts, compile.ts) on
 * random strings, on strings built from the language's own tokens (deep nesting, long operator chains,
 * unterminated quotes, escapes) and on mutated real formulas. Only a TabpilotError may escape; a case
 * that takes longer than HANG_MS (harness.ts) counts as a hang.
 */
import fc from 'fast-check';
import { type FType, emitExpression, lower } from '../../../src/wrangle/formula/compile.js';
import { formulaColumns, parseFormula } from '../../../src/wrangle/formula/parse.js';
import { FuzzTally, type FuzzReport } from '../harness.js';

/** Longest random formula. */
const MAX_LENGTH = 400;

const SEEDS = [
  'round(Amount / Price, 4)',
  "if(Expenses > 0, Income / Expenses, null)",
  "concat(upper(left(name, 3)), '-', year(ts), '-', if(amount > 0, 'pos', 'neg'))",
  'date_add(to_date(ts), 1)',
  'round(ln(abs(amount) + 1) * 100) / 100 + coalesce(code_long, -1) + length(words)',
  '`odd name` ^ 2 >= 3 and not flag or x <> y',
];
const TOKENS = ['(', ')', ',', "'", '"', '`', '\\', '+', '-', '*', '/', '%', '^', '=', '==', '!=', '<>', '<', '<=', '>', '>=', '!', '&&', '||', 'and', 'or', 'not', 'if', 'concat', 'abs', 'round', 'null', 'true', 'amount', 'name', '1', '.5', '1e999', ' ', '\n', '\u2028', 'é', '😀'];
/** Column types the type checker sees (any name not listed is an unknown column). */
const TYPES: Record<string, FType> = { amount: 'num', name: 'str', ts: 'date', flag: 'bool', x: 'num', y: 'num', Amount: 'num', Price: 'num' };

const formula = fc.oneof(
  fc.string({ unit: 'binary', maxLength: MAX_LENGTH }),
  fc.array(fc.constantFrom(...TOKENS), { maxLength: MAX_LENGTH / 2 }).map((t) => t.join('')),
  fc.tuple(fc.constantFrom(...SEEDS), fc.nat(), fc.constantFrom(...TOKENS)).map(([s, at, t]) => s.slice(0, at % (s.length + 1)) + t + s.slice(at % (s.length + 1))),
  fc.tuple(fc.constantFrom('(', '-', 'not ', 'abs(', '2^'), fc.integer({ min: 1, max: 5_000 })).map(([open, k]) => open.repeat(k) + '1'),
  fc.integer({ min: 1, max: 5_000 }).map((k) => Array(k).fill('amount').join(' + ')),
);

/** Runs `runs` formulas from `seed` through parseFormula, then the type checker and the code generator. */
export async function fuzzFormula(runs: number, seed: number): Promise<FuzzReport> {
  const tally = new FuzzTally('formula');
  for (const src of fc.sample(formula, { seed, numRuns: runs })) {
    await tally.run({ formula: src }, () => {
      const ast = parseFormula(src);
      formulaColumns(ast);
      emitExpression(lower(src, ast, TYPES), (name) => JSON.stringify(name));
    });
  }
  return tally.report();
}

export default fuzzFormula;
