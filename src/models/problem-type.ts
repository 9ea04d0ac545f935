import { BOOL_MISSING, type Column, toStrings } from '../frame/column.js';
import type { Task } from './types.js';
import { TabpilotError } from '../util/errors.js';

export interface ProblemTypeInference {
  readonly task: Task;
  /** Which rule of Autopilot's determine_task decided, in words (printed in job.json and logs). */
  readonly reason: string;
}

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
 * Throws INVALID_TARGET when there are fewer than 2 distinct values or inference is not confident.
 */
export function inferProblemType(target: Column): ProblemTypeInference {
  const where = { column: target.name };
  if (target.kind === 'datetime') {
    throw new TabpilotError('INVALID_TARGET', 'a datetime target is not supported; convert it to a number or a category first', where);
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
  if (rows === 0) throw new TabpilotError('INVALID_TARGET', 'the target column has no values (all missing)', where);
  if (cardinality < 2) {
    throw new TabpilotError('INVALID_TARGET', `the target column has a single value ("${[...distinct][0]}"); at least 2 distinct values are needed`, where);
  }
  if (cardinality === 2) return { task: 'binary', reason: 'the target has exactly 2 distinct values' };

  const numericShare = numbers.length / rows;
  if (numericShare > 0.5) {
    if (cardinality <= MULTICLASS_MAX_NUMERIC_CARDINALITY) {
      return { task: 'multiclass', reason: `numeric target with ${cardinality} <= ${MULTICLASS_MAX_NUMERIC_CARDINALITY} distinct values` };
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
      return { task: 'regression', reason: `numeric target with ${(nonIntegerFraction * 100).toFixed(1)}% non-integer values` };
    }
    const ordinalEncoded = min >= 0 && max <= 10 * cardinality;
    const ratio = cardinality / rows;
    if (!ordinalEncoded && ratio >= REGRESSION_MIN_CARDINALITY_RATIO) {
      return { task: 'regression', reason: `integer target, not ordinal-encoded, ${cardinality} distinct values (${(ratio * 100).toFixed(1)}% of rows)` };
    }
    if (cardinality <= MULTICLASS_MAX_ORDINAL_CARDINALITY) {
      return { task: 'multiclass', reason: `integer target with ${cardinality} <= ${MULTICLASS_MAX_ORDINAL_CARDINALITY} distinct values` };
    }
    throw new TabpilotError(
      'INVALID_TARGET',
      `cannot tell whether this integer target (${cardinality} distinct values) is regression or multiclass; set the problem type explicitly`,
      where,
    );
  }
  if (cardinality <= MULTICLASS_MAX_TEXT_CARDINALITY) {
    return { task: 'multiclass', reason: `non-numeric target with ${cardinality} distinct values` };
  }
  throw new TabpilotError('INVALID_TARGET', `the target has ${cardinality} distinct non-numeric values, more than ${MULTICLASS_MAX_TEXT_CARDINALITY} classes`, where);
}
