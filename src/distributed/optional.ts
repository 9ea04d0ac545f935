import { TabpilotError } from '../util/errors.js';

/**
 * Scale-out's packages, loaded at the point of use. `bullmq` (and `ioredis`, which it brings) is an optional peer
 * dependency: a consumer that never runs `--backend redis` or `tabpilot worker` does not install its ~11 MB tree,
 * and no module tabpilot loads statically imports it. When it is missing, scale-out fails with DEPENDENCY_MISSING
 * and the one npm install to run.
 */
type BullMq = typeof import('bullmq');
type IoRedis = typeof import('ioredis');

/** Imports a module by specifier; tests inject one that fails to resolve. */
type Importer = (specifier: string) => Promise<unknown>;

/** The install line the error names. */
export const SCALE_OUT_INSTALL = 'npm install bullmq@5';

/** Node's code for a bare specifier that resolves to no installed package. */
const MODULE_NOT_FOUND_CODES: ReadonlySet<string> = new Set(['ERR_MODULE_NOT_FOUND', 'MODULE_NOT_FOUND']);

const defaultImporter: Importer = (specifier) => import(specifier);

/** The DEPENDENCY_MISSING error scale-out throws when bullmq (or ioredis) is not installed. */
function scaleOutMissing(): TabpilotError {
  return new TabpilotError('DEPENDENCY_MISSING', `scale-out needs the optional package bullmq: ${SCALE_OUT_INSTALL}`);
}

async function loadScaleOutPackage<T>(specifier: 'bullmq' | 'ioredis', importer: Importer): Promise<T> {
  try {
    return (await importer(specifier)) as T;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException | undefined)?.code;
    if (code !== undefined && MODULE_NOT_FOUND_CODES.has(code)) throw scaleOutMissing();
    throw e;
  }
}

/** BullMQ (Queue, QueueEvents, Worker), or DEPENDENCY_MISSING. */
export function loadBullMq(importer: Importer = defaultImporter): Promise<BullMq> {
  return loadScaleOutPackage<BullMq>('bullmq', importer);
}

/** ioredis (bullmq's Redis client), or DEPENDENCY_MISSING naming bullmq, which brings it. */
export function loadIoRedis(importer: Importer = defaultImporter): Promise<IoRedis> {
  return loadScaleOutPackage<IoRedis>('ioredis', importer);
}
