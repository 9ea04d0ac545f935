export { DesignEncoder, DEFAULT_DESIGN_OPTIONS, type DesignJSON, type DesignMatrix, type DesignOptions, type EncodedFeature } from './design.js';
export { type EncodedTarget, effectiveWeights, encodeTarget, requireFeatures, sortLabels, trainingRows } from './target.js';
