import { type Column, categoricalColumn, cellString, isMissing, numericColumn, toFloat64 } from '../frame/column.js';
import { detectProblemType } from '../models/problem-type.js';
import { sortLabels } from '../models/preprocess/target.js';
import type { Task } from '../models/types.js';
import { TabpilotError } from '../util/errors.js';
import { AUTOPILOT_MIN_ROWS, type AutopilotOptions } from './types.js';
import type { Frame } from '../frame/frame.js';

/** Validated inputs: feature frame, encoded target, problem type. */
export interface Prepared {
  readonly features: Frame;
  readonly target: Column;
  readonly task: Task;
  readonly taskReason: string;
  readonly classes?: readonly string[];
  /** Class index (classification) or value (regression) per row. */
  readonly y: Int32Array | Float64Array;
  readonly sampleWeight?: Float64Array;
  readonly droppedRows: number;
  /** --fold-column: fold id per row (0 .. k-1, the column's sorted distinct values). */
  readonly folds?: Int32Array;
  /** --group-column: group id per row. */
  readonly groups?: Int32Array;
}

/** Grouped CV needs at least this many distinct groups (one per fold). */
const MIN_GROUPS = 5;

/** Codes of a fold or group column's values (sorted distinct values -> 0, 1, ...); a missing value is an error. */
function columnCodes(rows: Frame, name: string, file: string | undefined, minDistinct: number, what: string): Int32Array {
  if (!rows.has(name)) throw new TabpilotError('UNKNOWN_COLUMN', `${what} column "${name}" is not in the data`, { file, column: name });
  const col = rows.column(name);
  const values = new Array<string>(col.length);
  for (let i = 0; i < col.length; i++) {
    if (isMissing(col, i)) throw new TabpilotError('INVALID_ARGUMENT', `${what} column "${name}" is missing at data row ${i + 1}; every row needs a value`, { file, column: name });
    values[i] = cellString(col, i);
  }
  const distinct = sortLabels([...new Set(values)]);
  if (distinct.length < minDistinct) {
    throw new TabpilotError('INVALID_ARGUMENT', `${what} column "${name}" has ${distinct.length} distinct values; it needs at least ${minDistinct}`, { file, column: name });
  }
  const index = new Map(distinct.map((v, i) => [v, i]));
  return Int32Array.from(values, (v) => index.get(v)!);
}

export async function prepareData(options: AutopilotOptions, warn: (message: string, code?: string, column?: string) => void): Promise<Prepared> {
  const { data, target: targetName } = options;
  const where = { file: options.sourceFile, column: targetName };
  if (!data.has(targetName)) {
    throw new TabpilotError('INVALID_TARGET', `target column "${targetName}" is not in the data; columns are: ${data.columnNames.join(', ')}`, where);
  }
  const weightColumn = typeof options.sampleWeight === 'string' ? options.sampleWeight : undefined;
  if (weightColumn !== undefined && !data.has(weightColumn)) {
    throw new TabpilotError('UNKNOWN_COLUMN', `sample weight column "${weightColumn}" is not in the data`, { file: options.sourceFile, column: weightColumn });
  }
  const raw = data.column(targetName);
  const keep = new Uint8Array(data.numRows);
  let kept = 0;
  for (let i = 0; i < data.numRows; i++) {
    const ok = !isMissing(raw, i) && !(raw.kind === 'numeric' && !Number.isFinite(raw.values[i])) && !(raw.kind === 'text' && raw.values[i]!.trim() === '');
    keep[i] = ok ? 1 : 0;
    if (ok) kept++;
  }
  if (kept === 0) throw new TabpilotError('INVALID_TARGET', 'the target column has no values (all missing)', where);
  const rows = kept === data.numRows ? data : data.filter(keep);
  const droppedRows = data.numRows - kept;
  if (droppedRows > 0) warn(`${droppedRows} rows with a missing target were dropped (Autopilot ignores them)`, 'dropped_missing_target', targetName);
  const targetCol = rows.column(targetName);
  let task = options.problemType;
  let taskReason = 'set by the user';
  if (task === undefined) {
    const inferred = detectProblemType(targetCol);
    if (!inferred.ok) throw new TabpilotError('INVALID_TARGET', inferred.reason, where);
    task = inferred.task;
    taskReason = inferred.reason;
  }
  const n = rows.numRows;
  if (n < AUTOPILOT_MIN_ROWS) {
    const msg = `the data has ${n} rows with a target; Autopilot requires at least ${AUTOPILOT_MIN_ROWS}`;
    if (!options.allowSmall) throw new TabpilotError('INVALID_ARGUMENT', `${msg}. Pass --allow-small (allowSmall: true) to run anyway`, { file: options.sourceFile });
    warn(`${msg}; running anyway (allowSmall): validation scores on so few rows are noisy`, 'small_data');
  }
  let target: Column;
  let classes: string[] | undefined;
  let y: Int32Array | Float64Array;
  if (task === 'regression') {
    // Built shared, so sharing the target with the workers (plan.ts) copies nothing.
    const values = new Float64Array(new SharedArrayBuffer(Math.max(1, n) * Float64Array.BYTES_PER_ELEMENT), 0, n);
    values.set(toFloat64(targetCol));
    for (let i = 0; i < n; i++) {
      if (!Number.isFinite(values[i])) {
        throw new TabpilotError('INVALID_TARGET', `regression needs a numeric target; value "${cellString(targetCol, i)}" is not a number`, where);
      }
    }
    target = numericColumn(targetName, values);
    y = values;
  } else {
    const labels = new Array<string>(n);
    for (let i = 0; i < n; i++) labels[i] = cellString(targetCol, i);
    classes = sortLabels([...new Set(labels)]);
    if (classes.length < 2) throw new TabpilotError('INVALID_TARGET', `the target has only one class ("${classes[0]}"); classification needs at least 2`, where);
    if (task === 'binary' && classes.length !== 2) {
      throw new TabpilotError('INVALID_TARGET', `binary classification needs exactly 2 classes, the target has ${classes.length}`, where);
    }
    const index = new Map(classes.map((c, i) => [c, i]));
    const codes = new Int32Array(new SharedArrayBuffer(Math.max(1, n) * Int32Array.BYTES_PER_ELEMENT), 0, n);
    for (let i = 0; i < n; i++) codes[i] = index.get(labels[i])!;
    target = categoricalColumn(targetName, codes, classes);
    y = codes;
  }
  let sampleWeight: Float64Array | undefined;
  if (weightColumn !== undefined) sampleWeight = Float64Array.from(toFloat64(rows.column(weightColumn)));
  else if (options.sampleWeight instanceof Float64Array) {
    if (options.sampleWeight.length !== data.numRows) {
      throw new TabpilotError('INVALID_ARGUMENT', `sampleWeight has ${options.sampleWeight.length} entries, the data has ${data.numRows} rows`);
    }
    sampleWeight = kept === data.numRows ? options.sampleWeight : options.sampleWeight.filter((_, i) => keep[i] === 1);
  }
  if (sampleWeight) {
    for (let i = 0; i < sampleWeight.length; i++) {
      if (!(sampleWeight[i] >= 0) || !Number.isFinite(sampleWeight[i])) {
        throw new TabpilotError('INVALID_ARGUMENT', `sample weight at row ${i + 1} is ${sampleWeight[i]}; weights must be finite and non-negative`);
      }
    }
  }
  if (options.foldColumn !== undefined && options.groupColumn !== undefined) {
    throw new TabpilotError('INVALID_ARGUMENT', 'give a fold column or a group column, not both');
  }
  const folds = options.foldColumn !== undefined ? columnCodes(rows, options.foldColumn, options.sourceFile, 2, 'fold') : undefined;
  const groups = options.groupColumn !== undefined ? columnCodes(rows, options.groupColumn, options.sourceFile, MIN_GROUPS, 'group') : undefined;
  const drop = [targetName, ...[weightColumn, options.foldColumn, options.groupColumn].filter((c): c is string => c !== undefined)];
  const features = rows.drop(drop);
  if (features.numColumns === 0) throw new TabpilotError('INVALID_ARGUMENT', 'the data has no feature columns besides the target');
  return { features, target, task, taskReason, classes, y, sampleWeight, droppedRows, folds, groups };
}
