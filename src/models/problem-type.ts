import { BOOL_MISSING, type Column, toStrings } from '../frame/column.js';
import type { Task } from './types.js';
import { TabpilotError } from '../util/errors.js';

export interface ProblemTypeInference {
  readonly task: Task;
  /** Which rule of Autopilot's determine_task decided, in words (printed in job.json and logs). */
  readonly reason: string;
}

/** Why the rules declined to decide; callers branch on the code, never on the text. */
export type ProblemTypeRefusal =
  | 'DATETIME_TARGET'
  | 'NO_VALUES'
  | 'SINGLE_VALUE'
  /** An integer target that looks ordinal with more than 100 distinct values: regression or multiclass? */
  | 'AMBIGUOUS_INTEGER'
  | 'TOO_MANY_CLASSES';

export type ProblemTypeDecision =
  | ({ readonly ok: true; readonly cardinality: number } & ProblemTypeInference)
  | { readonly ok: false; readonly code: ProblemTypeRefusal; readonly reason: string; readonly cardinality: number };

/** Thresholds of SageMaker's `determine_task` (spec B.1), used verbatim. */
const MULTICLASS_MAX_NUMERIC_CARDINALITY = 5;
const REGRESSION_MIN_NON_INTEGER_FRACTION = 0.01;
const REGRESSION_MIN_CARDINALITY_RATIO = 0.015;
const MULTICLASS_MAX_ORDINAL_CARDINALITY = 100;
const MULTICLASS_MAX_TEXT_CARDINALITY = 2000;

/**
 * Infers the problem type from the target column with Autopilot's rules (spec B.1). Missing target values are
 * ignored (Autopilot drops rows with a missing target), so "rows" below means rows with a target value.
 *   1. exactly 2 distinct values: binary;
 *   2. more than half the values numeric: <= 5 distinct: multiclass; >= 1% non-integers: regression;
 *      not ordinal-encoded (min >= 0 and max <= 10 x distinct) and distinct/rows >= 0.015: regression;
 *      <= 100 distinct: multiclass; otherwise unclear;
 *   3. otherwise <= 2000 distinct: multiclass; otherwise too many classes.
 * Returns a refusal with a code when there are fewer than 2 distinct values or inference is not confident.
 */
export function detectProblemType(target: Column): ProblemTypeDecision {
  if (target.kind === 'datetime') {
    return refuse('DATETIME_TARGET', 'a datetime target is not supported; convert it to a number or a category first', 0);
  }
  const numbers: number[] = [];
  const distinct = new Set<string>();
  let rows = 0;
  if (target.kind === 'numeric') {
    for (let i = 0; i < target.length; i++) {
      const v = target.values[i];
      if (Number.isNaN(v)) continue;
      rows++;
      numbers.push(v);
      distinct.add(String(v));
    }
  } else if (target.kind === 'boolean') {
    for (let i = 0; i < target.length; i++) {
      const v = target.values[i];
      if (v === BOOL_MISSING) continue;
      rows++;
      distinct.add(String(v));
    }
  } else {
    for (const s of toStrings(target)) {
      if (s === null || s.trim() === '') continue;
      rows++;
      distinct.add(s);
      const v = Number(s);
      if (Number.isFinite(v) && s.trim() !== '') numbers.push(v);
    }
  }
  const cardinality = distinct.size;
  if (rows === 0) return refuse('NO_VALUES', 'the target column has no values (all missing)', 0);
  if (cardinality < 2) {
    return refuse('SINGLE_VALUE', `the target column has a single value (${JSON.stringify([...distinct][0])}); at least 2 distinct values are needed`, cardinality);
  }
  const decide = (task: Task, reason: string): ProblemTypeDecision => ({ ok: true, task, reason, cardinality });
  if (cardinality === 2) return decide('binary', 'the target has exactly 2 distinct values');

  const numericShare = numbers.length / rows;
  if (numericShare > 0.5) {
    if (cardinality <= MULTICLASS_MAX_NUMERIC_CARDINALITY) {
      return decide('multiclass', `numeric target with ${cardinality} <= ${MULTICLASS_MAX_NUMERIC_CARDINALITY} distinct values`);
    }
    let nonInteger = 0;
    let min = Infinity;
    let max = -Infinity;
    for (const v of numbers) {
      if (!Number.isInteger(v)) nonInteger++;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    const nonIntegerFraction = nonInteger / numbers.length;
    if (nonIntegerFraction >= REGRESSION_MIN_NON_INTEGER_FRACTION) {
      return decide('regression', `numeric target with ${(nonIntegerFraction * 100).toFixed(1)}% non-integer values`);
    }
    const ordinalEncoded = min >= 0 && max <= 10 * cardinality;
    const ratio = cardinality / rows;
    if (!ordinalEncoded && ratio >= REGRESSION_MIN_CARDINALITY_RATIO) {
      return decide('regression', `integer target, not ordinal-encoded, ${cardinality} distinct values (${(ratio * 100).toFixed(1)}% of rows)`);
    }
    if (cardinality <= MULTICLASS_MAX_ORDINAL_CARDINALITY) {
      return decide('multiclass', `integer target with ${cardinality} <= ${MULTICLASS_MAX_ORDINAL_CARDINALITY} distinct values`);
    }
    return refuse(
      'AMBIGUOUS_INTEGER',
      `cannot tell whether this integer target (${cardinality} distinct values) is regression or multiclass; set the problem type explicitly`,
      cardinality,
    );
  }
  if (cardinality <= MULTICLASS_MAX_TEXT_CARDINALITY) {
    return decide('multiclass', `non-numeric target with ${cardinality} distinct values`);
  }
  return refuse('TOO_MANY_CLASSES', `the target has ${cardinality} distinct non-numeric values, more than ${MULTICLASS_MAX_TEXT_CARDINALITY} classes`, cardinality);
}

function refuse(code: ProblemTypeRefusal, reason: string, cardinality: number): ProblemTypeDecision {
  return { ok: false, code, reason, cardinality };
}

/** `detectProblemType`, throwing INVALID_TARGET (naming the column) when the rules decline to decide. */
export function inferProblemType(target: Column): ProblemTypeInference {
  const d = detectProblemType(target);
  if (!d.ok) throw new TabpilotError('INVALID_TARGET', d.reason, { column: target.name });
  return { task: d.task, reason: d.reason };
}
