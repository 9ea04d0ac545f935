import { describe, expect, it } from 'vitest';
import { SCALE_OUT_INSTALL, loadBullMq, loadIoRedis } from '../src/distributed/optional.js';
import { isTabpilotError } from '../src/util/errors.js';

/** An importer whose packages resolve to nothing installed: Node's own resolution failure, not a mock error. */
const absent = (specifier: string) => import(`${specifier}-not-installed-tabpilot-test`);

async function failure(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

describe('optional scale-out packages', () => {
  it('loads bullmq and ioredis when installed (they are devDependencies here)', async () => {
    const bull = await loadBullMq();
    expect(typeof bull.Queue).toBe('function');
    expect(typeof bull.Worker).toBe('function');
    const io = await loadIoRedis();
    expect(typeof io.Redis).toBe('function');
  });

  it('a bullmq that does not resolve is DEPENDENCY_MISSING with one line naming the install', async () => {
    const e = await failure(loadBullMq(absent));
    expect(isTabpilotError(e) && e.code).toBe('DEPENDENCY_MISSING');
    const message = (e as Error).message;
    expect(message).toBe(`scale-out needs the optional package bullmq: ${SCALE_OUT_INSTALL}`);
    expect(message).not.toContain('\n');
  });

  it('a missing ioredis names bullmq too (bullmq brings it)', async () => {
    const e = await failure(loadIoRedis(absent));
    expect(isTabpilotError(e) && e.code).toBe('DEPENDENCY_MISSING');
    expect((e as Error).message).toContain('npm install bullmq@5');
  });

  it('other load failures pass through unchanged (a broken install is not a missing one)', async () => {
    const broken = new SyntaxError('Unexpected token in bullmq/dist/index.js');
    const e = await failure(loadBullMq(() => Promise.reject(broken)));
    expect(e).toBe(broken);
  });
});
