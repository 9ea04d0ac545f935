import type { RedisBackend } from './backend.js';
import { type InstanceResult, type ProcessingJobSpec, planInstances, resolveModule } from './processing.js';
import { RemoteTaskError } from './protocol.js';

/**
 * A processing job on the Redis backend: one task per instance; workers run each in a child process as a local
 * job would. Paths (the module, inputs, outputs) must be the same on every worker (a shared file system).
 */
export async function runProcessingOnBackend(job: ProcessingJobSpec, backend: RedisBackend, timeoutMs?: number): Promise<InstanceResult[]> {
  resolveModule(job.module);
  return Promise.all(
    planInstances(job).map(async (spec): Promise<InstanceResult> => {
      const started = Date.now();
      try {
        return (await backend.run('process', spec, timeoutMs)) as InstanceResult;
      } catch (e) {
        const log = e instanceof RemoteTaskError ? (e.log ?? '') : '';
        return { instance: spec.instance, ok: false, error: (e as Error).message, log, seconds: (Date.now() - started) / 1000 };
      }
    }),
  );
}
