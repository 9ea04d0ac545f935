/** The Definitions section of the report (spec A.3.5), with our conventions where the spec is ambiguous. */
export interface Definition {
  readonly term: string;
  readonly text: string;
}

export const DEFINITIONS: readonly Definition[] = [
  {
    term: 'Feature types',
    text:
      'Numeric: ordered values with a meaningful distance. Categorical: a small set of unique values, in any representation, with no order assumed. Binary: a categorical feature with exactly two values. Text: many non-numeric unique values. Datetime: dates and times. Types are inferred from the values with SageMaker\'s scoring rules (numeric share, cardinality ratio; ties: binary > numeric > categorical > text > datetime).',
  },
  { term: 'Missing', text: 'Null-like values, empty strings, and strings made only of whitespace.' },
  {
    term: 'Valid / invalid',
    text:
      'A numeric feature or regression target value is valid when it casts to a finite number; a categorical, binary or text value or a classification label is valid when it is not missing; a datetime is valid when it parses. Invalid = present but not valid (for example "six" in a numeric column).',
  },
  {
    term: 'Outliers',
    text: 'Robust standard deviation (RSTD) = standard deviation of the values clipped to their 5th and 95th percentiles. A value is an outlier when it lies more than 5 x RSTD from the median.',
  },
  { term: 'Skew', text: 'Third central moment divided by the cube of the standard deviation; 0 for a symmetric distribution. |skew| > 3 counts as skewed.' },
  {
    term: 'Kurtosis',
    text: 'Reported as excess kurtosis: fourth central moment divided by the squared second moment, minus 3, so a normal distribution has 0. The heavy-tail thresholds (3, 10) are applied to this value, as SageMaker\'s implementation does.',
  },
  {
    term: 'Prediction power',
    text:
      'How well the feature predicts the target on its own: a gradient-boosted model is trained on that single feature using 80% of the rows (stratified for classification) and scored on the other 20% with R² (regression), ROC-AUC (binary) or accuracy (multiclass). Normalised as max((score - baseline) / (1 - baseline), 0) with baseline 0 for R², 0.5 for AUC and the most common label\'s frequency for accuracy. 1 suggests target leakage; 0 means no better than a constant on its own.',
  },
  {
    term: 'Quick model',
    text:
      'Gradient boosting on all features with early stopping on validation data: 5-fold cross-validation (stratified for classification) below 50,000 rows, an 80/20 split above. Compared with a trivial baseline (mean for regression, most frequent class for classification). Binary metrics treat the minority class as positive.',
  },
  {
    term: 'Quick model metrics',
    text:
      'R² in (-inf, 1]; MSE, RMSE, MAE, max error and median absolute error >= 0; accuracy and balanced accuracy in [0, 1]; ROC-AUC (binary) and one-vs-rest AUC (multiclass mean) in [0, 1]; precision, recall and F1 for the positive class in binary, macro/weighted averages in multiclass.',
  },
  {
    term: 'Duplicate ratio',
    text: 'Rows that have at least one identical twin (all columns, target included, missing equal to missing) divided by all rows.',
  },
  {
    term: 'Anomaly score',
    text: 'Isolation forest decision value, 0.5 minus the anomaly score: rows that are isolated by few random splits get negative values (anomalous); positive values are normal.',
  },
  {
    term: 'Textual patterns',
    text:
      'Values are split into tokens {digits}, {upper}, {lower}, {name} (a capitalised word), {mixed}, {alnum} and {whitespace} with length annotations such as {digits:4-7}; confidence is the share of non-empty values that match the most common pattern.',
  },
  {
    term: 'Severity',
    text:
      'High: a probable issue with few false positives. Medium: a possible issue. Low: minor or low-confidence. Some feature warnings are medium for one of the five features with the highest prediction power and low otherwise.',
  },
];
