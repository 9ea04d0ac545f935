/**
 * Where tabpilot writes. A command checks each output path with `checkOutputPath` before any work starts,
 * then writes through `writeFileAtomic` / `writeAtomically` (a temp file in the same directory, then a
 * rename) or `replaceDirectory` (a temp directory, then a rename), so a failed run never leaves a
 * half-written file and an output never replaces the data it reads or the model directory it loads.
 */
import { accessSync, closeSync, constants, lstatSync, mkdirSync, openSync, readdirSync, realpathSync, renameSync, rmSync, statSync, type Stats, writeFileSync } from 'node:fs';
import path from 'node:path';
import { TabpilotError } from './errors.js';

export type OutputKind = 'file' | 'directory';

export interface OutputPathOptions {
  /** Files the command reads (undefined entries are skipped): the output may not be one of them. */
  readonly inputs?: readonly (string | undefined)[];
  /** Model directories the command reads: the output may not be inside one. */
  readonly modelDirs?: readonly string[];
  /** 'file' (default) or 'directory' (a model directory written whole). */
  readonly kind?: OutputKind;
  /** Directory outputs: replacing a non-empty directory is allowed (train --overwrite). */
  readonly overwrite?: boolean;
}

/** Pseudo file systems of the kernel: nothing tabpilot writes belongs there (mkdir -p on /proc never ends). */
const SYSTEM_ROOTS = ['/proc', '/sys'];

const errnoOf = (e: unknown): string | undefined => (e as NodeJS.ErrnoException | null)?.code;

/** Plain words for the file system errors a user can cause. */
const FS_ERRORS = new Map<string, string>([
  ['ENOENT', 'no such file or directory'],
  ['EACCES', 'permission denied'],
  ['EPERM', 'operation not permitted'],
  ['EISDIR', 'is a directory'],
  ['ENOTDIR', 'a parent of the path is a file, not a directory'],
  ['ESPIPE', 'cannot seek in a pipe or terminal'],
  ['EEXIST', 'already exists'],
  ['ENOTEMPTY', 'directory is not empty'],
  ['ELOOP', 'too many levels of symbolic links'],
  ['EROFS', 'read-only file system'],
  ['ENOSPC', 'no space left on the device'],
  ['EDQUOT', 'disk quota exceeded'],
  ['ENAMETOOLONG', 'file name too long'],
  ['EMFILE', 'too many open files'],
  ['EBUSY', 'resource busy'],
  ['EXDEV', 'cannot rename across file systems'],
]);

/** A Node file system error (one with an errno code we can explain) as a one-line user error; else null. */
export function userFsError(e: unknown, code: 'OUTPUT_PATH' | 'FILE_ERROR' = 'FILE_ERROR', file?: string): TabpilotError | null {
  if (e instanceof TabpilotError) return e;
  const errno = errnoOf(e);
  const words = errno !== undefined ? FS_ERRORS.get(errno) : undefined;
  if (words === undefined) return null;
  const where = file ?? (e as NodeJS.ErrnoException).path;
  return new TabpilotError(code, `${words} (${errno})`, where !== undefined ? { file: where } : {});
}

function outputError(out: string, message: string): TabpilotError {
  return new TabpilotError('OUTPUT_PATH', message, { file: out });
}

/** Absolute path with `..` and every symbolic link of its existing part resolved. */
function canonical(p: string): string {
  const abs = path.resolve(p);
  try {
    return realpathSync.native(abs);
  } catch (e) {
    if (errnoOf(e) !== 'ENOENT') throw e;
    const parent = path.dirname(abs);
    return parent === abs ? abs : path.join(canonical(parent), path.basename(abs));
  }
}

function statOrNull(p: string): Stats | null {
  try {
    return statSync(p);
  } catch {
    return null;
  }
}

/** `inner` is `outer` or a path below it. */
function isWithin(inner: string, outer: string): boolean {
  const rel = path.relative(outer, inner);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

function sameFile(a: string, aStat: Stats | null, b: string): boolean {
  if (a === b) return true;
  const bStat = statOrNull(b);
  return aStat !== null && bStat !== null && aStat.isFile() && aStat.dev === bStat.dev && aStat.ino === bStat.ino;
}

/** The nearest existing ancestor of an absolute path (the path itself excluded). */
function existingAncestor(p: string): { dir: string; stat: Stats } {
  let dir = path.dirname(p);
  for (;;) {
    try {
      return { dir, stat: statSync(dir) };
    } catch (e) {
      const parent = path.dirname(dir);
      if (errnoOf(e) !== 'ENOENT' || parent === dir) throw e;
      dir = parent;
    }
  }
}

function checkExisting(out: string, existing: Stats, options: OutputPathOptions, target: string): void {
  if ((options.kind ?? 'file') === 'file') {
    if (existing.isDirectory()) throw outputError(out, 'is a directory; name a file to write');
    if (!existing.isFile()) throw outputError(out, 'is not a regular file (a device, pipe or socket); name a file to write');
    return;
  }
  if (!existing.isDirectory()) throw outputError(out, 'exists and is not a directory; name a directory to write');
  if (!options.overwrite && readdirSync(target).length > 0) throw outputError(out, 'is a non-empty directory; pass --overwrite to replace it');
}

function checkTarget(out: string, target: string, options: OutputPathOptions): void {
  const root = SYSTEM_ROOTS.find((r) => isWithin(target, r));
  if (root !== undefined) throw outputError(out, `is inside ${root}, a kernel pseudo file system; choose another path`);
  const existing = statOrNull(target);
  if (existing !== null) checkExisting(out, existing, options, target);
  const ancestor = existingAncestor(target);
  if (!ancestor.stat.isDirectory()) throw outputError(out, `is under ${ancestor.dir}, which is a file, not a directory`);
  try {
    accessSync(ancestor.dir, constants.W_OK);
  } catch {
    throw outputError(out, `cannot write in directory ${ancestor.dir} (permission denied)`);
  }
  for (const input of options.inputs ?? []) {
    if (input === undefined) continue;
    const source = canonical(input);
    if (sameFile(target, existing, source)) throw outputError(out, `is the input file ${input}; writing it would destroy the data`);
    if (options.kind === 'directory' && isWithin(source, target)) throw outputError(out, `holds the input file ${input}; replacing the directory would delete it`);
  }
  for (const dir of options.modelDirs ?? []) {
    const model = canonical(dir);
    if (isWithin(target, model) || (options.kind === 'directory' && isWithin(model, target))) {
      throw outputError(out, `is inside the model directory ${dir} that this command reads; write somewhere else`);
    }
  }
}

/**
 * Checks an output path before any work starts and returns it absolute, with `..` and symbolic links
 * resolved. Refuses (OUTPUT_PATH, naming the path) an output that is one of `inputs`, that lies inside one
 * of `modelDirs`, that is under a regular file, in /proc or /sys, in a directory we cannot write, a
 * directory where a file is expected (or the reverse), a device, or a non-empty directory without `overwrite`.
 */
export function checkOutputPath(out: string, options: OutputPathOptions = {}): string {
  if (out.trim() === '') throw new TabpilotError('OUTPUT_PATH', 'the output path is empty');
  try {
    const target = canonical(out);
    checkTarget(out, target, options);
    return target;
  } catch (e) {
    if (errnoOf(e) === 'ENOTDIR') throw outputError(out, 'is under a file, not a directory');
    throw userFsError(e, 'OUTPUT_PATH', out) ?? e;
  }
}

/** Distinguishes temp names made by one process. */
let tempCounter = 0;

function tempSibling(file: string, suffix = ''): string {
  const abs = path.resolve(file);
  return path.join(path.dirname(abs), `.${path.basename(abs)}.tmp-${process.pid}-${tempCounter++}${suffix}`);
}

/**
 * Writes a file through `write(fd)` into a temp file in the same directory, then renames it over `file`:
 * readers see the old file or the whole new one, never a part. Missing parent directories are created.
 * On failure the temp file is removed and nothing else changes.
 */
export function writeAtomically(file: string, write: (fd: number) => void): void {
  let tmp: string | null = null;
  let fd = -1;
  try {
    // Through a symbolic link: replace the file it points to, keep the link.
    const target = canonical(file);
    tmp = tempSibling(target, path.extname(target));
    mkdirSync(path.dirname(tmp), { recursive: true });
    fd = openSync(tmp, 'wx');
    write(fd);
    closeSync(fd);
    fd = -1;
    renameSync(tmp, target);
  } catch (e) {
    if (fd >= 0) closeSync(fd);
    if (tmp !== null) rmSync(tmp, { force: true });
    throw userFsError(e, 'OUTPUT_PATH', file) ?? e;
  }
}

/** Writes `data` to `file` atomically (temp file in the same directory + rename). */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  writeAtomically(file, (fd) => writeFileSync(fd, data));
}

/**
 * Replaces directory `dir` whole: `fill` writes the new contents into a temp directory beside it, which is
 * then renamed into place (an existing `dir` is moved aside first and removed after). On failure the temp
 * directory is removed and `dir` is left as it was.
 */
export async function replaceDirectory(dir: string, fill: (tmpDir: string) => Promise<void>): Promise<void> {
  const abs = path.resolve(dir);
  const tmp = tempSibling(abs);
  try {
    mkdirSync(path.dirname(abs), { recursive: true });
    mkdirSync(tmp);
    await fill(tmp);
    const old = lstatSync(abs, { throwIfNoEntry: false }) ? tempSibling(abs, '.old') : null;
    if (old !== null) renameSync(abs, old);
    try {
      renameSync(tmp, abs);
    } catch (e) {
      if (old !== null) renameSync(old, abs);
      throw e;
    }
    if (old !== null) rmSync(old, { recursive: true, force: true });
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw userFsError(e, 'OUTPUT_PATH', dir) ?? e;
  }
}
