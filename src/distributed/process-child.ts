import { pathToFileURL } from 'node:url';
import type { InstanceSpec } from './processing.js';

/**
 * The child process of one processing instance: receives `{ file, spec }`, imports the module, awaits its default
 * export with the instance's view of the job, reports an error to the parent and exits non-zero on failure.
 */
process.once('message', (message: { file: string; spec: InstanceSpec }) => {
  void runOnce(message.file, message.spec);
});

async function runOnce(file: string, spec: InstanceSpec): Promise<void> {
  try {
    const mod = (await import(pathToFileURL(file).href)) as { default?: unknown };
    if (typeof mod.default !== 'function') throw new Error(`${file} has no default export function`);
    const { inputs, outputs, instance, instanceCount, args } = spec;
    await (mod.default as (x: unknown) => unknown)({ inputs, outputs, instance, instanceCount, args });
    process.exitCode = 0;
  } catch (e) {
    const err = e as Error;
    console.error(err?.stack ?? String(e));
    process.send?.({ error: (err?.message ?? String(e)).split('\n')[0] });
    process.exitCode = 1;
  } finally {
    process.disconnect?.();
  }
}
