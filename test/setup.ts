import { afterEach } from 'vitest';

/**
 * Let the worker's event loop turn between tests. Many tests are synchronous CPU work (model fits); a run of them
 * longer than vitest's 60 s RPC timeout without a macrotask turn makes the runner report "Timeout calling
 * onTaskUpdate" even though every test passed.
 */
afterEach(async () => {
  await new Promise<void>((resolve) => setImmediate(resolve));
});
