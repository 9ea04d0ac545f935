import type { TransformDef } from '../step.js';
import { concatenate, join } from './combine.js';
import { featurizeDatetime } from './datetime.js';
import { encodeTransforms } from './encode.js';
import { customFormula, customFunction } from './formula.js';
import { manageTransforms } from './manage.js';
import { handleMissingTransforms } from './missing.js';
import { nestedTransforms } from './nested.js';
import { numericTransforms, outlierTransforms } from './numeric.js';
import { pca } from './pca.js';
import { balanceTransforms, samplingTransforms, splitTransforms } from './sample.js';
import { formatStringTransforms, parseValueAsType, searchEditTransforms, validateStringTransforms } from './strings.js';
import { textTransforms } from './text.js';
import { timeSeriesTransforms } from './timeseries.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function combineTransforms(): TransformDef<any, any>[] {
  return [
    join,
    concatenate,
    ...balanceTransforms,
    customFormula,
    customFunction,
    pca,
    ...encodeTransforms,
    ...textTransforms,
    ...timeSeriesTransforms,
    featurizeDatetime,
    ...formatStringTransforms,
    ...outlierTransforms,
    ...handleMissingTransforms,
    ...manageTransforms,
    ...numericTransforms,
    ...samplingTransforms,
    ...searchEditTransforms,
    ...splitTransforms,
    parseValueAsType,
    ...validateStringTransforms,
    ...nestedTransforms,
  ];
}
