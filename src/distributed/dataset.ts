import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tableFromIPC, tableToIPC } from 'apache-arrow';
import type { Redis } from 'ioredis';
import { type Column, numericColumn, renameColumn } from '../frame/column.js';
import { Frame } from '../frame/frame.js';
import { arrowToFrame, frameToArrow } from '../io/arrow.js';
import { TabpilotError } from '../util/errors.js';
import { DATA_KEY_PREFIX } from './protocol.js';

/**
 * A job's data, published once and content-addressed: the prepared feature frame and, beside it, the target,
 * the fold of every row and the sample weights, as two Arrow IPC streams in one blob named by its SHA-256.
 * Small blobs go into Redis; larger ones (or any, with a shared directory) into `<shared-dir>/<hash>.tpds`.
 * Workers fetch a blob once and cache it. Arrow keeps every value exactly (NaN, codes, dictionaries), so a
 * remote trial sees the same data as a local one.
 */

export interface DatasetParts {
  readonly features: Frame;
  readonly target: Column;
  readonly foldOf: Int32Array;
  readonly sampleWeight?: Float64Array;
  /** Whether tree learners get the shared pre-binned matrix (the worker bins the features itself). */
  readonly binned: boolean;
}

/** Where a published blob lives. */
export interface DataRef {
  readonly hash: string;
  readonly where: 'redis' | 'dir';
  readonly bytes: number;
}

/** Blobs up to this size go into Redis without a shared directory (Redis strings may hold 512 MB; keep far below). */
export const MAX_REDIS_BLOB_BYTES = 64 * 1024 * 1024;
/** A published blob stays in Redis this long (s); republishing the same data refreshes it. */
const DATA_TTL_SECONDS = 24 * 3600;
const MAGIC = 'TPDS1\n';
/** Bytes of the header-length field after the magic. */
const LENGTH_BYTES = 4;

interface Header {
  readonly targetName: string;
  readonly binned: boolean;
  readonly hasWeight: boolean;
  /** Byte lengths of the Arrow IPC streams that follow the header: features, target (+ weight), folds. */
  readonly streamBytes: readonly number[];
}

/** The Arrow IPC stream of a frame. */
function ipcOf(columns: readonly Column[]): Uint8Array {
  return tableToIPC(frameToArrow(Frame.fromColumns(columns)), 'stream');
}

export function encodeDataset(parts: DatasetParts): Uint8Array {
  // Three streams: the features, the per-row target and weight, and the folds (repeated CV has one per repeat).
  const features = tableToIPC(frameToArrow(parts.features), 'stream');
  const rowColumns: Column[] = [renameColumn(parts.target, 'target')];
  if (parts.sampleWeight) rowColumns.push(numericColumn('weight', parts.sampleWeight));
  const streams = [features, ipcOf(rowColumns), ipcOf([numericColumn('fold', Float64Array.from(parts.foldOf))])];
  const header: Header = { targetName: parts.target.name, binned: parts.binned, hasWeight: parts.sampleWeight !== undefined, streamBytes: streams.map((x) => x.length) };
  const headerBytes = Buffer.from(JSON.stringify(header));
  const out = Buffer.alloc(MAGIC.length + LENGTH_BYTES + headerBytes.length + streams.reduce((t, x) => t + x.length, 0));
  let at = out.write(MAGIC, 0, 'latin1');
  at = out.writeUInt32LE(headerBytes.length, at);
  out.set(headerBytes, at);
  at += headerBytes.length;
  for (const x of streams) {
    out.set(x, at);
    at += x.length;
  }
  return out;
}

export function decodeDataset(blob: Uint8Array, where = 'dataset'): DatasetParts {
  const buf = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
  if (buf.length < MAGIC.length + LENGTH_BYTES || buf.toString('latin1', 0, MAGIC.length) !== MAGIC) {
    throw new TabpilotError('BAD_FORMAT', 'not a tabpilot dataset blob', { file: where });
  }
  const headerLength = buf.readUInt32LE(MAGIC.length);
  const start = MAGIC.length + LENGTH_BYTES;
  const header = JSON.parse(buf.toString('utf8', start, start + headerLength)) as Header;
  let at = start + headerLength;
  const [features, rows, folds] = header.streamBytes.map((len) => {
    // A copy: decoded Float64 columns use the IPC buffers in place, which must be aligned and owned.
    const frame = arrowToFrame(tableFromIPC(buf.subarray(at, at + len).slice()));
    at += len;
    return frame;
  });
  const weight = header.hasWeight ? rows.column('weight') : undefined;
  return {
    features,
    target: renameColumn(rows.column('target'), header.targetName),
    foldOf: Int32Array.from((folds.column('fold') as { values: Float64Array }).values),
    sampleWeight: weight ? (weight as { values: Float64Array }).values : undefined,
    binned: header.binned,
  };
}

export function hashBlob(blob: Uint8Array): string {
  return createHash('sha256').update(blob).digest('hex');
}

/** The file of a blob in a shared directory. */
export function blobFile(sharedDir: string, hash: string): string {
  return path.join(sharedDir, `${hash}.tpds`);
}

/** Publishes `blob` once: into `sharedDir` when given, else into Redis (refusing blobs above the Redis limit). */
export async function publishBlob(redis: Redis, blob: Uint8Array, sharedDir: string | undefined): Promise<DataRef> {
  const hash = hashBlob(blob);
  if (sharedDir !== undefined) {
    const file = blobFile(sharedDir, hash);
    if (!existsSync(file)) {
      mkdirSync(sharedDir, { recursive: true });
      const tmp = `${file}.tmp-${process.pid}`;
      writeFileSync(tmp, blob);
      renameSync(tmp, file);
    }
    return { hash, where: 'dir', bytes: blob.length };
  }
  if (blob.length > MAX_REDIS_BLOB_BYTES) {
    throw new TabpilotError(
      'INVALID_ARGUMENT',
      `the job's data is ${(blob.length / 2 ** 20).toFixed(0)} MB, more than the ${MAX_REDIS_BLOB_BYTES / 2 ** 20} MB kept in Redis; pass --shared-dir DIR (a directory every worker mounts)`,
    );
  }
  await redis.set(DATA_KEY_PREFIX + hash, Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength), 'EX', DATA_TTL_SECONDS);
  return { hash, where: 'redis', bytes: blob.length };
}

/** Fetches a published blob and checks its hash. */
export async function fetchBlob(redis: Redis, ref: DataRef, sharedDir: string | undefined): Promise<Uint8Array> {
  let blob: Uint8Array | null;
  if (ref.where === 'dir') {
    if (sharedDir === undefined) throw new TabpilotError('INVALID_ARGUMENT', 'the job published its data to a shared directory; start the worker with --shared-dir DIR');
    const file = blobFile(sharedDir, ref.hash);
    if (!existsSync(file)) throw new TabpilotError('FILE_NOT_FOUND', `dataset ${ref.hash.slice(0, 12)} is not in the shared directory (is --shared-dir the same directory as the coordinator's?)`, { file });
    blob = readFileSync(file);
  } else {
    blob = await redis.getBuffer(DATA_KEY_PREFIX + ref.hash);
    if (blob === null) throw new TabpilotError('FILE_NOT_FOUND', `dataset ${ref.hash.slice(0, 12)} is no longer in Redis (expired, or Redis restarted)`);
  }
  if (hashBlob(blob) !== ref.hash) throw new TabpilotError('BAD_FORMAT', `dataset ${ref.hash.slice(0, 12)} does not match its hash`);
  return blob;
}
