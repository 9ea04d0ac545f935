/**
 * The warning catalog of the Data Quality and Insights report (spec A.3.4, thresholds from SDI verbatim),
 * each with a plain-language explanation and the Data Wrangler transform that addresses it.
 */

export type Severity = 'high' | 'medium' | 'low';

/** 'medium_if_important' = SDI's med_sev_feature: medium for a top-5 feature by prediction power, else low. */
export type SeverityRule = Severity | 'medium_if_important';

export interface CatalogEntry {
  readonly id: WarningId;
  readonly title: string;
  readonly severity: SeverityRule;
  readonly scope: 'target' | 'feature' | 'dataset' | 'model';
  /** The exact rule, with its thresholds. */
  readonly rule: string;
  readonly explanation: string;
  /** The Data Wrangler transform (group > operator) that fixes it, and how. */
  readonly fix: { readonly transform: string; readonly text: string };
}

export type WarningId =
  | 'skewed_target'
  | 'heavy_tailed_target'
  | 'target_few_outliers'
  | 'regression_frequent_label'
  | 'regression_many_non_numeric'
  | 'regression_non_numeric'
  | 'very_small_minority'
  | 'too_many_classes'
  | 'rare_target_label'
  | 'classes_too_imbalanced'
  | 'target_leakage'
  | 'target_correlation'
  | 'uninformative_feature'
  | 'constant_feature'
  | 'disguised_missing_numeric'
  | 'disguised_missing_token'
  | 'rare_categories'
  | 'high_confidence_pattern'
  | 'many_missing_values'
  | 'missing_values'
  | 'id_column'
  | 'high_cardinality'
  | 'many_duplicate_rows'
  | 'duplicate_rows'
  | 'quick_model_very_low_score'
  | 'quick_model_low_score';

export const THRESHOLDS = {
  skew: 3,
  heavyTailKurtosis: 10,
  fewOutliersKurtosis: 3,
  frequentLabelRatio: 0.1,
  frequentLabelCardinalityFactor: 5,
  nonNumericTargetRatio: 0.05,
  smallMinorityCount: 20,
  tooManyClasses: 100,
  rareLabelCount: 10,
  imbalanceRatio: 0.01,
  leakagePower: 0.95,
  targetCorrelation: 0.95,
  disguisedMissingMinCardinality: 20,
  disguisedMissingFrequency: 0.1,
  disguisedMissingFactor: 10,
  rareCategoryRatio: 0.05,
  patternConfidence: 0.85,
  manyMissingRatio: 0.5,
  highCardinalityRatio: 0.9,
  duplicateRatio: 0.05,
  quickModelLowSlope: 0.95,
  quickModelLowOffset: 0.05,
  importantFeatures: 5,
} as const;

export const DISGUISED_MISSING_TOKENS = ['UNKNOWN', 'UNK', '', 'NA', 'N/A', 'NULL', 'MISSING', '?', '??', '???', '-', 'NAN', 'TBD'] as const;

const T = THRESHOLDS;

export const CATALOG: readonly CatalogEntry[] = [
  {
    id: 'skewed_target',
    title: 'Skewed target',
    severity: 'high',
    scope: 'target',
    rule: `regression target has outliers and |skew| > ${T.skew}`,
    explanation:
      'Most target values sit in a narrow range with a long tail on one side. Models minimising squared error spend their effort on the few extreme values and predict the common range poorly.',
    fix: {
      transform: 'Custom formula (log1p of the target) or Handle outliers > Robust standard deviation numeric outliers',
      text: 'Train on a log-transformed target (and transform predictions back), or clip/remove the extreme target rows.',
    },
  },
  {
    id: 'heavy_tailed_target',
    title: 'Heavy tailed target',
    severity: 'high',
    scope: 'target',
    rule: `regression target has outliers, is not skewed, and excess kurtosis > ${T.heavyTailKurtosis}`,
    explanation:
      'The target has many more extreme values on both sides than a normal distribution. A few rows dominate squared-error metrics and the model fit.',
    fix: {
      transform: 'Handle outliers > Robust standard deviation numeric outliers (Clip or Remove)',
      text: 'Clip or remove extreme target values, or choose an error metric less sensitive to them (MAE).',
    },
  },
  {
    id: 'target_few_outliers',
    title: 'Target has few outliers',
    severity: 'medium',
    scope: 'target',
    rule: `regression target has outliers and excess kurtosis in (${T.fewOutliersKurtosis}, ${T.heavyTailKurtosis}]`,
    explanation: 'A few target values lie far from the rest. They may be data-entry errors, or rare but real cases the model will find hard.',
    fix: {
      transform: 'Handle outliers > Robust standard deviation numeric outliers',
      text: 'Inspect the outlying rows; remove them if they are errors, or clip them.',
    },
  },
  {
    id: 'regression_frequent_label',
    title: 'Frequent label',
    severity: 'medium',
    scope: 'target',
    rule: `frequency of the most common target value > max(${T.frequentLabelRatio}, ${T.frequentLabelCardinalityFactor} / cardinality)`,
    explanation:
      'One target value is far more common than any other. This is often a default or placeholder (0, -1, 999), or a sign the problem is really classification.',
    fix: {
      transform: 'Manage rows > filter (Custom formula) or Search and edit > Convert regex to missing',
      text: 'Check whether the frequent value is genuine; turn placeholder values into missing and drop those rows, or model the task as classification.',
    },
  },
  {
    id: 'regression_many_non_numeric',
    title: 'Many non-numeric target values',
    severity: 'high',
    scope: 'target',
    rule: `fraction of regression target values that are not finite numbers > ${T.nonNumericTargetRatio}`,
    explanation: 'Many target values cannot be read as numbers. Those rows are ignored by training, so the model learns from less data than you think.',
    fix: {
      transform: 'Parse column as type (Float), then Handle missing > Drop missing',
      text: 'Fix the unparseable values at the source, or parse the column as a number and drop the rows that fail.',
    },
  },
  {
    id: 'regression_non_numeric',
    title: 'Non-numeric target values',
    severity: 'medium',
    scope: 'target',
    rule: `0 < fraction of regression target values that are not finite numbers <= ${T.nonNumericTargetRatio}`,
    explanation: 'A few target values cannot be read as numbers; those rows are ignored by training.',
    fix: { transform: 'Parse column as type (Float), then Handle missing > Drop missing', text: 'Drop or repair the rows with a non-numeric target.' },
  },
  {
    id: 'very_small_minority',
    title: 'Very small minority class',
    severity: 'high',
    scope: 'target',
    rule: `binary target: some class has fewer than ${T.smallMinorityCount} rows`,
    explanation: 'One of the two classes has so few rows that neither training nor validation metrics about it can be trusted.',
    fix: {
      transform: 'Balance data > Random oversample or SMOTE',
      text: 'Collect more rows of the rare class; oversampling or SMOTE help the model see it, but validation stays unreliable.',
    },
  },
  {
    id: 'too_many_classes',
    title: 'Too many classes',
    severity: 'medium',
    scope: 'target',
    rule: `multiclass target with more than ${T.tooManyClasses} classes`,
    explanation: 'With this many classes most have few examples each; the task may be better posed as regression or with grouped classes.',
    fix: { transform: 'Handle outliers > Replace rare', text: 'Group rare classes into "Other", or reformulate the target.' },
  },
  {
    id: 'rare_target_label',
    title: 'Too few instances per class',
    severity: 'high',
    scope: 'target',
    rule: `multiclass target (<= ${T.tooManyClasses} classes): some class has <= ${T.rareLabelCount} rows`,
    explanation: 'Some classes have so few rows that the model cannot learn them and stratified validation cannot measure them.',
    fix: { transform: 'Handle outliers > Replace rare (or drop those rows)', text: 'Drop the rare-class rows, merge them into a neighbouring class, or collect more data.' },
  },
  {
    id: 'classes_too_imbalanced',
    title: 'Classes too imbalanced',
    severity: 'medium',
    scope: 'target',
    rule: `multiclass target: some class has more than ${T.rareLabelCount} rows but fewer than ${T.imbalanceRatio} x the most frequent class`,
    explanation: 'Some classes are a tiny fraction of the largest one. Accuracy will mostly reflect the large classes.',
    fix: {
      transform: 'Balance data > Random oversample / Random undersample',
      text: 'Rebalance the classes, or judge the model by balanced accuracy or macro F1.',
    },
  },
  {
    id: 'target_leakage',
    title: 'Target leakage',
    severity: 'high',
    scope: 'feature',
    rule: `normalised prediction power > ${T.leakagePower}`,
    explanation:
      'This feature alone predicts the target almost perfectly. It is probably derived from the target or recorded after the outcome, and will not be available (or not mean the same) at prediction time.',
    fix: { transform: 'Manage columns > Drop column', text: 'Confirm how the column is produced; drop it if it is not known at prediction time.' },
  },
  {
    id: 'target_correlation',
    title: 'Target correlation',
    severity: 'high',
    scope: 'feature',
    rule: `|Pearson correlation with the target| > ${T.targetCorrelation}`,
    explanation: 'This feature moves almost in lockstep with the target, a fast sign of target leakage.',
    fix: { transform: 'Manage columns > Drop column', text: 'Check whether the feature is computed from the target; drop it if so.' },
  },
  {
    id: 'uninformative_feature',
    title: 'Uninformative feature',
    severity: 'low',
    scope: 'feature',
    rule: 'normalised prediction power <= 0',
    explanation: 'On its own this feature predicts the target no better than a constant. It may still help in combination with others.',
    fix: { transform: 'Manage columns > Drop column', text: 'Consider dropping it if the quick model does not use it either.' },
  },
  {
    id: 'constant_feature',
    title: 'Constant feature',
    severity: 'low',
    scope: 'feature',
    rule: 'a single distinct non-missing value',
    explanation: 'The column has the same value in every row, so it carries no information.',
    fix: { transform: 'Manage columns > Drop column', text: 'Drop the column.' },
  },
  {
    id: 'disguised_missing_numeric',
    title: 'Numeric disguised missing value',
    severity: 'medium_if_important',
    scope: 'feature',
    rule: `numeric feature with > ${T.disguisedMissingMinCardinality} distinct values whose most common value has frequency > ${T.disguisedMissingFrequency} and > ${T.disguisedMissingFactor} x the second most common`,
    explanation:
      'One number (often 0, -1 or 999) appears far more often than any other value. It is probably a placeholder for "unknown", which the model will read as a real measurement.',
    fix: {
      transform: 'Search and edit > Convert regex to missing, then Handle missing > Impute missing',
      text: 'Turn the placeholder into missing, then impute it (median) or add a missing indicator.',
    },
  },
  {
    id: 'disguised_missing_token',
    title: 'Disguised missing values',
    severity: 'medium_if_important',
    scope: 'feature',
    rule: `values that spell "missing": ${DISGUISED_MISSING_TOKENS.map((t) => JSON.stringify(t)).join(', ')} (case-insensitive)`,
    explanation: 'Some values are text placeholders for missing data; they are treated as a real category or make a numeric column text.',
    fix: {
      transform: 'Search and edit > Convert regex to missing, then Handle missing',
      text: 'Convert the placeholder strings to missing, then impute or drop them.',
    },
  },
  {
    id: 'rare_categories',
    title: 'Categorical rare categories',
    severity: 'medium_if_important',
    scope: 'feature',
    rule: `some category has frequency < ${T.rareCategoryRatio} x the most common category`,
    explanation: 'Some categories have very few rows. The model cannot learn much about them and they add noise.',
    fix: { transform: 'Handle outliers > Replace rare', text: 'Replace rare categories with "Other".' },
  },
  {
    id: 'high_confidence_pattern',
    title: 'High-confidence pattern detected',
    severity: 'medium',
    scope: 'feature',
    rule: `a textual pattern matches >= ${T.patternConfidence} of the values, but not all`,
    explanation: 'Almost every value follows one format; the values that do not are probably typos or bad records.',
    fix: {
      transform: 'Search and edit > Convert regex to missing (the pattern as validity regex)',
      text: 'Turn non-matching values into missing, then impute or drop them.',
    },
  },
  {
    id: 'many_missing_values',
    title: 'Many missing values',
    severity: 'medium',
    scope: 'feature',
    rule: `missing ratio > ${T.manyMissingRatio}`,
    explanation: 'More than half the values are missing; the column carries little information and imputing it may mislead.',
    fix: { transform: 'Manage columns > Drop column, or Handle missing > Add indicator for missing', text: 'Drop the column, or keep a missing indicator.' },
  },
  {
    id: 'missing_values',
    title: 'Missing values',
    severity: 'low',
    scope: 'feature',
    rule: `0 < missing ratio <= ${T.manyMissingRatio}`,
    explanation: 'Some values are missing. Tree models handle this; linear models and neural networks need them imputed.',
    fix: { transform: 'Handle missing > Impute missing', text: 'Impute (median for numeric, most frequent for categorical) or drop the rows.' },
  },
  {
    id: 'id_column',
    title: 'ID column',
    severity: 'low',
    scope: 'feature',
    rule: 'non-numeric column whose every value is unique',
    explanation: 'Every value is different, so the column identifies rows rather than describing them; a model can only memorise it.',
    fix: { transform: 'Manage columns > Drop column', text: 'Drop the column before training.' },
  },
  {
    id: 'high_cardinality',
    title: 'High cardinality',
    severity: 'low',
    scope: 'feature',
    rule: `categorical/text column with unique ratio >= ${T.highCardinalityRatio}`,
    explanation: 'Almost every value is unique; encoding it as categories gives the model nothing to generalise from.',
    fix: { transform: 'Encode categorical > Similarity encode, or Featurize text > Vectorize', text: 'Use a similarity encoding or text features, or drop it.' },
  },
  {
    id: 'many_duplicate_rows',
    title: 'Many duplicate rows',
    severity: 'high',
    scope: 'dataset',
    rule: `duplicate ratio (rows with an identical twin, target included) > ${T.duplicateRatio}`,
    explanation:
      'Many rows are exact copies. Copies that land in both training and validation make validation scores, prediction power and hyperparameter tuning look better than they are.',
    fix: { transform: 'Manage rows > Drop duplicates', text: 'Drop duplicates unless the copies are genuine repeated observations.' },
  },
  {
    id: 'duplicate_rows',
    title: 'Duplicate rows',
    severity: 'medium',
    scope: 'dataset',
    rule: `0 < duplicate ratio <= ${T.duplicateRatio}`,
    explanation: 'Some rows are exact copies; they slightly inflate validation scores.',
    fix: { transform: 'Manage rows > Drop duplicates', text: 'Drop duplicates unless the copies are genuine.' },
  },
  {
    id: 'quick_model_very_low_score',
    title: 'Quick model very low validation score',
    severity: 'high',
    scope: 'model',
    rule: 'quick model base metric (R², ROC-AUC or accuracy) < the trivial baseline',
    explanation: 'The quick model does worse than always predicting the mean or the most frequent class: the features, as given, do not predict the target.',
    fix: {
      transform: 'Review the target and features (Handle missing, Encode categorical, Featurize text)',
      text: 'Check that the target is right and the features carry signal; fix data-quality warnings first.',
    },
  },
  {
    id: 'quick_model_low_score',
    title: 'Quick model low validation score',
    severity: 'medium',
    scope: 'model',
    rule: `quick model base metric < ${T.quickModelLowOffset} + ${T.quickModelLowSlope} x trivial baseline`,
    explanation: 'The quick model is barely better than a trivial predictor.',
    fix: {
      transform: 'Feature engineering (Featurize date/time, Featurize text, Custom formula)',
      text: 'Add more informative features or more data.',
    },
  },
];

export const CATALOG_BY_ID: ReadonlyMap<WarningId, CatalogEntry> = new Map(CATALOG.map((c) => [c.id, c]));
