/** Scale-out: the Redis + BullMQ task backend, its workers, and processing jobs (see docs/scale-out.md). */
export { connectRedis, parseBackend, type BackendAddress } from './connection.js';
export { RedisBackend, type RedisBackendOptions } from './backend.js';
export { autopilotOnBackend, autopilotWith, type BackendJob } from './autopilot.js';
export { startWorker, DEFAULT_LOCK_MS, type WorkerHandle, type WorkerOptions } from './worker.js';
export { listWorkers, type WorkerInfo } from './registry.js';
export { remoteTrialRunners } from './trials.js';
export { encodeDataset, decodeDataset, type DatasetParts, type DataRef } from './dataset.js';
export {
  planInstances,
  runInstance,
  runProcessingLocal,
  failedJobError,
  parseInputFlag,
  parseOutputFlag,
  type Distribution,
  type InstanceResult,
  type InstanceSpec,
  type ProcessingJobSpec,
} from './processing.js';
export { runProcessingOnBackend } from './remote-processing.js';
export { tabpilotVersion } from './protocol.js';
