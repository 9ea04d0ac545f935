/** The bytes a CSV is read from (a file read in chunks, or a buffer) and the stream of complete records over them. */
import { closeSync, fstatSync, openSync, readFileSync, readSync, statSync, type Stats } from 'node:fs';
import { TabpilotError } from '../util/errors.js';
import { type FieldIndex, scanRecords, type ScanParams, type ScanState } from './csv-tokenizer.js';

/** Where the bytes come from: a file read in chunks, or an in-memory buffer. */
export interface ByteSource {
  readonly name: string;
  readonly size: number;
  read(target: Buffer, offset: number, length: number, position: number): number;
  close(): void;
}

/**
 * Stats a file to read: a missing file is FILE_NOT_FOUND, a directory BAD_FORMAT, any other file system
 * error (permission denied, a parent that is a file, ...) FILE_NOT_FOUND naming the file and the reason.
 */
export function statInput(path: string): Stats {
  let stat: Stats;
  try {
    stat = statSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new TabpilotError('FILE_NOT_FOUND', 'no such file', { file: path });
    throw new TabpilotError('FILE_NOT_FOUND', `cannot open: ${(e as Error).message}`, { file: path });
  }
  if (stat.isDirectory()) throw new TabpilotError('BAD_FORMAT', 'is a directory, not a file', { file: path });
  return stat;
}

const STDIN_PATH = '/dev/stdin';
/** File descriptor of standard input (not process.stdin, whose stream would make the descriptor non-blocking). */
const STDIN_FD = 0;

/** All bytes of a file (for pipes, terminals and devices, which cannot seek: /dev/stdin, process substitution). */
export function readWhole(path: string): Buffer {
  try {
    // Standard input may be a socket (spawned by a parent process), which cannot be opened by name.
    return readFileSync(path === STDIN_PATH ? STDIN_FD : path);
  } catch (e) {
    throw new TabpilotError('FILE_NOT_FOUND', `cannot read: ${(e as Error).message}`, { file: path });
  }
}

export function fileSource(path: string): ByteSource {
  // A pipe cannot be read at an offset (ESPIPE): read it once into memory.
  if (!statInput(path).isFile()) return bufferSource(readWhole(path), path);
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw new TabpilotError('FILE_NOT_FOUND', `cannot open: ${(e as Error).message}`, { file: path });
  }
  return {
    name: path,
    size: fstatSync(fd).size,
    read: (target, offset, length, position) => readSync(fd, target, offset, length, position),
    close: () => closeSync(fd),
  };
}

export function bufferSource(bytes: Buffer, name: string): ByteSource {
  return {
    name,
    size: bytes.length,
    read: (target, offset, length, position) => bytes.copy(target, offset, position, Math.min(bytes.length, position + length)),
    close: () => {},
  };
}

/**
 * Reads a source from a byte offset in chunks and hands out batches of complete records. A record cut by a
 * chunk boundary is carried into the next chunk; a record longer than a chunk grows the buffer.
 */
export class RecordStream {
  buf: Buffer;
  private filled = 0;
  private position: number;
  private eof = false;
  private readonly state: ScanState;

  constructor(
    private readonly source: ByteSource,
    startOffset: number,
    startLine: number,
    chunkBytes: number,
  ) {
    this.buf = Buffer.allocUnsafe(Math.max(1024, Math.min(chunkBytes, source.size - startOffset + 1)));
    this.position = startOffset;
    this.state = { position: 0, line: startLine };
  }

  get bytesConsumed(): number {
    return this.position - (this.filled - this.state.position);
  }

  /** Fills `index` with up to maxRecords complete records; false at the end of input. */
  next(index: FieldIndex, params: Omit<ScanParams, 'final'>): boolean {
    for (;;) {
      index.reset();
      if (this.state.position < this.filled || this.eof) {
        const stored = scanRecords(this.buf, this.filled, this.state, index, { ...params, final: this.eof });
        if (stored > 0) return true;
        if (this.eof) return false;
      }
      // Need more bytes: move the unconsumed tail to the front, grow when a single record fills the buffer.
      const tail = this.filled - this.state.position;
      if (this.state.position > 0) this.buf.copy(this.buf, 0, this.state.position, this.filled);
      this.filled = tail;
      this.state.position = 0;
      if (this.filled === this.buf.length) {
        const grown = Buffer.allocUnsafe(this.buf.length * 2);
        this.buf.copy(grown, 0, 0, this.filled);
        this.buf = grown;
      }
      const n = this.source.read(this.buf, this.filled, this.buf.length - this.filled, this.position);
      this.position += n;
      this.filled += n;
      if (n === 0) this.eof = true;
    }
  }
}
