import { existsSync, linkSync, mkdirSync, realpathSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { Frame } from '../../frame/index.js';
import { writeTable } from '../../io/index.js';
import { TabpilotError } from '../../util/errors.js';
import { flowError } from '../step.js';
import type { FlowNode } from './format.js';

/**
 * Where a destination node writes. A flow is data someone may hand you: its output paths are confined to
 * the output directory (a `../x.csv` or an absolute path is refused unless `allowOutside`), an existing
 * file is never replaced unless `overwrite`, an input of the run never, and every file is written to a
 * temporary file first and then moved into place.
 */
export interface DestinationPolicy {
  /** Directory relative output paths resolve against; outputs must stay inside it. */
  outDir: string;
  /** Accept output paths outside `outDir` (`--allow-outside`). */
  allowOutside?: boolean;
  /** Replace files that already exist (`--overwrite`). */
  overwrite?: boolean;
}

/** The file a destination node writes: `output_path` (or `output_config.output_path`) under `outDir`, with an extension from `output_content_type`. */
export function destinationPath(node: FlowNode, outDir: string): string {
  const p = node.parameters as Record<string, unknown>;
  const cfg = (p.output_config as Record<string, unknown> | undefined) ?? p;
  const rel = cfg.output_path;
  if (typeof rel !== 'string' || rel === '') throw flowError(node.node_id, 'parameters.output_path', 'is required (the file to write, .csv or .parquet)');
  let target = path.resolve(outDir, rel);
  const type = typeof cfg.output_content_type === 'string' ? cfg.output_content_type.toLowerCase() : null;
  if (type && path.extname(target) === '') target += type === 'parquet' ? '.parquet' : '.csv';
  return target;
}

/** The real path of `p`, resolving symbolic links through its nearest existing ancestor. */
function realPath(p: string): string {
  let dir = p;
  const rest: string[] = [];
  while (!existsSync(dir)) {
    const up = path.dirname(dir);
    if (up === dir) break;
    rest.unshift(path.basename(dir));
    dir = up;
  }
  return path.join(realpathSync(dir), ...rest);
}

/** Whether `target` lies inside `dir` (after resolving symbolic links, so a link cannot lead out). */
export function isInside(target: string, dir: string): boolean {
  const rel = path.relative(realPath(dir), realPath(target));
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

/** Checks a destination against the policy without writing: the resolved path, or an OUTPUT_PATH error naming the node. */
export function checkDestination(node: FlowNode, policy: DestinationPolicy): string {
  const target = destinationPath(node, policy.outDir);
  if (!policy.allowOutside && !isInside(target, policy.outDir)) {
    throw new TabpilotError('OUTPUT_PATH', `node "${node.node_id}", field "parameters.output_path": ${target} is outside the output directory ${policy.outDir}; use a relative path inside it, or pass --allow-outside`);
  }
  return target;
}

/** Writes a destination through a temporary file; never replaces an input, nor an existing file without `overwrite`. */
export function writeDestination(node: FlowNode, frame: Frame, policy: DestinationPolicy, inputs: ReadonlySet<string>): string {
  const target = checkDestination(node, policy);
  if (inputs.has(target)) throw flowError(node.node_id, 'parameters.output_path', `would overwrite the input file ${target}; the input is never overwritten`);
  const exists = () => new TabpilotError('OUTPUT_PATH', `node "${node.node_id}", field "parameters.output_path": ${target} already exists; pass --overwrite to replace it`);
  if (!policy.overwrite && existsSync(target)) throw exists();
  mkdirSync(path.dirname(target), { recursive: true });
  const tmp = path.join(path.dirname(target), `.${path.basename(target, path.extname(target))}.${process.pid}.tmp${path.extname(target)}`);
  try {
    writeTable(frame, tmp);
    if (policy.overwrite) renameSync(tmp, target);
    else {
      // A hard link fails if the target appeared meanwhile, so a file created after the check is not replaced either.
      try {
        linkSync(tmp, target);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw exists();
        // A file system without hard links: checked again, then renamed.
        if (existsSync(target)) throw exists();
        renameSync(tmp, target);
      }
      rmSync(tmp, { force: true });
    }
  } finally {
    if (existsSync(tmp)) rmSync(tmp, { force: true });
  }
  return target;
}
