import { fork } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { TabpilotError } from '../util/errors.js';
import { compiledWorkerPath } from '../util/pool.js';

/**
 * Processing jobs (SageMaker Processing): a user module's default export runs once per instance with its share of
 * the inputs, `({ inputs, outputs, instance, instanceCount, args })`. An input is a file or a folder; `sharded`
 * gives instance i the files whose position in the sorted list of keys (paths relative to the input) is i modulo
 * the instance count, `replicated` (the default) gives every instance every file. Each instance writes its own
 * output folder `<DIR>/instance-<i>`. An instance runs in a child process whose output is its log; a failing
 * instance fails the job with its error and the end of its log. The same instance runner serves local jobs and
 * workers of the Redis backend.
 */

export type Distribution = 'sharded' | 'replicated';

export interface ProcessingInput {
  readonly name: string;
  readonly path: string;
  readonly distribution: Distribution;
}

export interface ProcessingOutput {
  readonly name: string;
  readonly dir: string;
}

export interface ProcessingJobSpec {
  /** Absolute path of the module, or a built-in name (`builtin:batch-transform`). */
  readonly module: string;
  readonly inputs: readonly ProcessingInput[];
  readonly outputs: readonly ProcessingOutput[];
  readonly instances: number;
  readonly args: readonly string[];
}

/** What one instance gets; also the argument of the module's default export (plus nothing else). */
export interface InstanceSpec {
  readonly module: string;
  /** Input name -> its files for this instance (absolute paths). Null-prototype object. */
  readonly inputs: Readonly<Record<string, { readonly files: readonly string[]; readonly distribution: Distribution; readonly path: string }>>;
  /** Output name -> this instance's folder. Null-prototype object. */
  readonly outputs: Readonly<Record<string, string>>;
  readonly instance: number;
  readonly instanceCount: number;
  readonly args: readonly string[];
}

export interface InstanceResult {
  readonly instance: number;
  readonly ok: boolean;
  readonly error?: string;
  /** The instance's stdout and stderr, interleaved (the end of it when long). */
  readonly log: string;
  readonly seconds: number;
  readonly host?: string;
}

/** Built-in modules: name -> compiled file next to this one. */
const BUILTINS: Readonly<Record<string, string>> = Object.assign(Object.create(null) as Record<string, string>, { 'builtin:batch-transform': 'builtin-batch-transform.js' });
/** Log kept per instance (characters, from the end). */
const MAX_LOG_CHARS = 64 * 1024;

/** `NAME=PATH[:sharded|replicated]` of --input. */
export function parseInputFlag(value: string): ProcessingInput {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new TabpilotError('INVALID_ARGUMENT', `--input expects NAME=PATH[:sharded|replicated], got "${value}"`);
  const name = value.slice(0, eq);
  let rest = value.slice(eq + 1);
  let distribution: Distribution = 'replicated';
  const m = /:(sharded|replicated)$/.exec(rest);
  if (m) {
    distribution = m[1] as Distribution;
    rest = rest.slice(0, -m[0].length);
  }
  if (rest === '') throw new TabpilotError('INVALID_ARGUMENT', `--input ${name}: the path is empty`);
  return { name, path: path.resolve(rest), distribution };
}

/** `NAME=DIR` of --output. */
export function parseOutputFlag(value: string): ProcessingOutput {
  const eq = value.indexOf('=');
  if (eq <= 0 || eq === value.length - 1) throw new TabpilotError('INVALID_ARGUMENT', `--output expects NAME=DIR, got "${value}"`);
  return { name: value.slice(0, eq), dir: path.resolve(value.slice(eq + 1)) };
}

/** The module to import: a built-in's compiled file, or the user's module (which must exist). */
export function resolveModule(module: string): string {
  if (Object.hasOwn(BUILTINS, module)) return compiledWorkerPath(import.meta.url, BUILTINS[module]);
  if (module.startsWith('builtin:')) throw new TabpilotError('INVALID_ARGUMENT', `unknown built-in "${module}"; built in: ${Object.keys(BUILTINS).join(', ')}`);
  const file = path.resolve(module);
  if (!existsSync(file)) throw new TabpilotError('FILE_NOT_FOUND', 'processing module not found', { file: module });
  return file;
}

/** Files of an input, sorted by key (path relative to the input). */
function inputFiles(input: ProcessingInput): string[] {
  if (!existsSync(input.path)) throw new TabpilotError('FILE_NOT_FOUND', `input "${input.name}" does not exist`, { file: input.path });
  if (!statSync(input.path).isDirectory()) return [input.path];
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.name.startsWith('.')) continue;
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) out.push(p);
    }
  };
  walk(input.path);
  const key = (f: string) => path.relative(input.path, f);
  return out.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/** Checks the job and gives each instance its inputs and output folders. */
export function planInstances(job: ProcessingJobSpec): InstanceSpec[] {
  const n = job.instances;
  if (!(Number.isInteger(n) && n >= 1)) throw new TabpilotError('INVALID_ARGUMENT', `--instances must be a positive integer, got ${n}`);
  const seen = new Set<string>();
  for (const x of [...job.inputs.map((i) => i.name), ...job.outputs.map((o) => o.name)]) {
    if (seen.has(x)) throw new TabpilotError('INVALID_ARGUMENT', `the input/output name "${x}" is given twice`);
    seen.add(x);
  }
  const files = job.inputs.map(inputFiles);
  return Array.from({ length: n }, (_, i) => {
    const inputs: Record<string, InstanceSpec['inputs'][string]> = Object.create(null);
    job.inputs.forEach((input, k) => {
      const mine = input.distribution === 'sharded' ? files[k].filter((_, j) => j % n === i) : files[k];
      inputs[input.name] = { files: mine, distribution: input.distribution, path: input.path };
    });
    const outputs: Record<string, string> = Object.create(null);
    for (const o of job.outputs) outputs[o.name] = path.join(o.dir, `instance-${i}`);
    return { module: job.module, inputs, outputs, instance: i, instanceCount: n, args: job.args };
  });
}

/** Runs one instance in a child process (the child imports the module and calls its default export). */
export function runInstance(spec: InstanceSpec, timeoutMs?: number): Promise<InstanceResult> {
  const started = Date.now();
  const file = resolveModule(spec.module);
  for (const dir of Object.values(spec.outputs)) mkdirSync(dir, { recursive: true });
  const child = fork(compiledWorkerPath(import.meta.url, 'process-child.js'), [], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  let log = '';
  const append = (chunk: Buffer) => {
    log += chunk.toString('utf8');
    if (log.length > 2 * MAX_LOG_CHARS) log = log.slice(-MAX_LOG_CHARS);
  };
  child.stdout!.on('data', append);
  child.stderr!.on('data', append);
  return new Promise((resolve) => {
    let error: string | undefined;
    let timer: NodeJS.Timeout | undefined;
    if (timeoutMs !== undefined && Number.isFinite(timeoutMs)) {
      timer = setTimeout(() => {
        error = `instance ${spec.instance} passed its time limit (${(timeoutMs / 1000).toFixed(1)} s) and was stopped`;
        child.kill('SIGKILL');
      }, Math.max(1, timeoutMs));
    }
    child.on('message', (m: { error?: string }) => {
      if (typeof m?.error === 'string') error ??= m.error;
    });
    child.on('error', (e) => {
      error ??= e.message;
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code !== 0 && error === undefined) error = signal ? `instance ${spec.instance} was killed (${signal})` : `instance ${spec.instance} exited with code ${code}`;
      resolve({ instance: spec.instance, ok: error === undefined, ...(error !== undefined ? { error } : {}), log: log.slice(-MAX_LOG_CHARS), seconds: (Date.now() - started) / 1000 });
    });
    child.send({ file, spec });
  });
}

/** The job's failure: the first failed instance's error (the caller prints its log). */
export function failedJobError(results: readonly InstanceResult[]): TabpilotError | null {
  const failed = results.filter((r) => !r.ok);
  if (failed.length === 0) return null;
  const first = failed[0];
  return new TabpilotError('PROCESSING_FAILED', `instance ${first.instance} of ${results.length} failed${failed.length > 1 ? ` (and ${failed.length - 1} more)` : ''}: ${first.error}`);
}

/** Runs every instance at once on this machine (child processes). */
export async function runProcessingLocal(job: ProcessingJobSpec, timeoutMs?: number): Promise<InstanceResult[]> {
  resolveModule(job.module);
  return Promise.all(planInstances(job).map((s) => runInstance(s, timeoutMs)));
}
