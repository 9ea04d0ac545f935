/**
 * The Feature Store (spec C.1): feature groups in a local store directory, ingestion from Frames and files,
 * an online store (latest record per identifier, TTL, SQLite in WAL mode) and an append-only Parquet offline
 * store, point-in-time correct datasets and an online lookup for serving. See docs/feature-store.md.
 */
export { FeatureStore, openFeatureStore, onlineLookup, buildDataset, type FeatureGroupDescription, type DeleteRecordOptions, type BatchGetRequest, type BatchGetResult } from './store.js';
export { type BuildDatasetOptions, type DatasetGroup } from './dataset.js';
export { asOfJoin, type AsOfLeft, type AsOfRight } from './asof.js';
export { type IngestOptions, type IngestResult } from './ingest.js';
export { parseJsonLines, readJsonLines } from './jsonl.js';
export { OnlineReader, type FeatureRecord } from './online.js';
export { type OnInvalid, type RejectedRecord } from './records.js';
export { DEFAULT_STORE_DIR, STORE_FORMAT, STORE_FORMAT_VERSION, type OpenOptions } from './core.js';
export {
  FEATURE_TYPES, RESERVED_NAMES, parseTtl, ttlMs,
  type FeatureType, type FeatureDefinition, type FeatureGroup, type FeatureGroupInput, type TtlDuration, type TtlUnit,
} from './schema.js';
