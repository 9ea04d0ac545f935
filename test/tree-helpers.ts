import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Column, cellString, toFloat64 } from '../src/frame/column.js';
import type { Frame } from '../src/frame/frame.js';
import { readTable } from '../src/io/index.js';
import { Random } from '../src/util/random.js';

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures');

export async function loadFixture(file: string, target: string): Promise<{ data: Frame; target: Column; frame: Frame }> {
  const { frame } = await readTable(path.join(FIXTURES, file));
  return { frame, data: frame.drop([target]), target: frame.column(target) };
}

/** A seeded 80/20 split of row indices (both ascending). */
export function split(n: number, seed = 0): { train: Int32Array; test: Int32Array } {
  const perm = new Random(seed).permutation(n);
  const cut = Math.floor(n * 0.8);
  return { train: perm.slice(0, cut).sort(), test: perm.slice(cut).sort() };
}

export function rmseOn(pred: Float64Array, target: Column, rows: Int32Array): number {
  const y = toFloat64(target);
  let s = 0;
  for (let i = 0; i < rows.length; i++) s += (pred[i] - y[rows[i]]) ** 2;
  return Math.sqrt(s / rows.length);
}

export function labelsOf(target: Column, rows: Int32Array, classes: readonly string[]): Int32Array {
  return Int32Array.from(rows, (r) => classes.indexOf(cellString(target, r)));
}

export function logLossOf(proba: Float64Array, y: Int32Array, k: number): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) s -= Math.log(Math.max(proba[i * k + y[i]], 1e-15));
  return s / y.length;
}

export function accuracyOf(pred: Float64Array, y: Int32Array): number {
  let c = 0;
  for (let i = 0; i < y.length; i++) if (pred[i] === y[i]) c++;
  return c / y.length;
}

/** Rank AUC of scores for the positive label 1. */
export function aucOf(score: ArrayLike<number>, y: Int32Array): number {
  const idx = Array.from({ length: y.length }, (_, i) => i).sort((a, b) => score[a] - score[b]);
  let rank = 0;
  let pos = 0;
  let sumPos = 0;
  for (let i = 0; i < idx.length; ) {
    let j = i;
    while (j < idx.length && score[idx[j]] === score[idx[i]]) j++;
    const avg = (i + j + 1) / 2;
    for (let t = i; t < j; t++) if (y[idx[t]] === 1) {
      sumPos += avg;
      pos++;
    }
    rank = j;
    i = j;
  }
  void rank;
  const neg = y.length - pos;
  return (sumPos - (pos * (pos + 1)) / 2) / (pos * neg);
}
