import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseCommandArgs } from '../../util/args.js';
import { TabpilotError } from '../../util/errors.js';
import { checkOutputPath, writeFileAtomic } from '../../util/output.js';
import { exportFlowModule, fitForExport } from '../../wrangle/flow/export.js';
import { describeFlow, loadFlow, saveFlow, validateFlow } from '../../wrangle/flow/files.js';
import { runFlow } from '../../wrangle/flow/runner.js';
import { FORMULA_FUNCTIONS } from '../../wrangle/formula/compile.js';
import { allTransforms } from '../../wrangle/registry.js';

export const help = `Usage: tabpilot flow <run|validate|show|export|transforms> FLOW [options]

Data Wrangler flows: a JSON DAG of sources, transforms, splits and destinations (docs/wrangle.md,
schema: schemas/flow.schema.json).

  flow run FLOW [--param name=value ...] [--out DIR] [--overwrite] [--allow-outside] [--refit] [--save] [--json]
      Reads the sources, fits learned steps (or reuses their stored state), applies every step and writes
      the destinations. Output paths resolve under --out (default the flow's folder) and must stay inside
      it unless --allow-outside; an existing file is replaced only with --overwrite, an input file never.
      Outputs are written to a temporary file and renamed. FLOW itself is not changed: --save stores the
      fitted state back into it, so later runs and exports reuse it.
  flow validate FLOW [--param name=value ...] [--out DIR] [--allow-outside]
      Checks structure, version, cycles, operators, parameters, stored fitted state and destinations
      (inside the output directory), then dry-runs the first 1000 rows of each source (catches missing
      columns). Exit code 0 when valid, 2 when not.
  flow show FLOW
      The DAG and each step in words.
  flow export FLOW --out FILE.ts [--overwrite] [--target NODE[:OUTPUT]] [--param name=value ...]
      A standalone TypeScript module applying the fitted row-wise steps up to the training node (default:
      the split output named Train, else the first destination's input). Learned steps without stored
      state are fitted first by running the flow up to that node (nothing is written, FLOW unchanged).
      An existing FILE.ts is replaced only with --overwrite, the flow itself never.
  flow transforms
      Lists every transform group and operator.`;

function parseParams(values: string[] | undefined): Record<string, string> {
  // Keyed by user text: a null-prototype object, so "--param __proto__=x" or "constructor=x" is a plain entry.
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const v of values ?? []) {
    const eq = v.indexOf('=');
    if (eq <= 0) throw new TabpilotError('INVALID_ARGUMENT', `--param expects name=value, got "${v}"`);
    out[v.slice(0, eq)] = v.slice(eq + 1);
  }
  return out;
}

/** --out, --overwrite and --allow-outside as run options (destinations are confined to --out, default the flow's folder). */
function destinationOptions(values: Record<string, string | string[] | boolean | undefined>): { outDir?: string; overwrite: boolean; allowOutside: boolean } {
  return {
    ...(values.out ? { outDir: path.resolve(values.out as string) } : {}),
    overwrite: Boolean(values.overwrite),
    allowOutside: Boolean(values['allow-outside']),
  };
}

export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const parsed = parseCommandArgs(
    rest,
    {
      param: { type: 'string', multiple: true },
      out: { type: 'string' },
      refit: { type: 'boolean' },
      save: { type: 'boolean' },
      // Accepted for old scripts: not saving is the default.
      'no-save': { type: 'boolean' },
      overwrite: { type: 'boolean' },
      'allow-outside': { type: 'boolean' },
      json: { type: 'boolean' },
      target: { type: 'string' },
    },
    `flow ${sub ?? ''}`.trim(),
  );
  const values = parsed.values as Record<string, string | string[] | boolean | undefined>;
  const positionals = parsed.positionals;
  if (sub === 'transforms') {
    const groups = new Map<string, string[]>();
    for (const t of allTransforms()) groups.set(t.group, [...(groups.get(t.group) ?? []), t.operator]);
    for (const [g, ops] of [...groups].sort()) console.log(`${g}: ${ops.join(', ')}`);
    console.log(`\nformula functions: ${FORMULA_FUNCTIONS.join(', ')}`);
    return 0;
  }
  const file = positionals[0];
  if (!sub || !['run', 'validate', 'show', 'export'].includes(sub)) throw new TabpilotError('INVALID_ARGUMENT', `flow: expected run, validate, show, export or transforms, got ${sub ? `"${sub}"` : 'nothing'}\n\n${help}`);
  if (!file) throw new TabpilotError('INVALID_ARGUMENT', `flow ${sub}: the FLOW file is required`);
  const params = parseParams(values.param as string[] | undefined);

  if (sub === 'validate') {
    const { readFileSync } = await import('node:fs');
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      throw new TabpilotError('FLOW_INVALID', `cannot read the flow: ${(e as Error).message}`, { file });
    }
    const res = await validateFlow(json, { ...destinationOptions(values), baseDir: path.dirname(path.resolve(file)), params, file });
    if (values.json) console.log(JSON.stringify(res, null, 2));
    else {
      for (const e of res.errors) console.error(`error: ${e}`);
      for (const n of res.notes) console.log(`note: ${n}`);
      console.log(res.ok ? `${file}: valid` : `${file}: ${res.errors.length} error(s)`);
    }
    return res.ok ? 0 : 2;
  }

  const { flow, baseDir } = await loadFlow(file);
  if (sub === 'show') {
    console.log(describeFlow(flow));
    return 0;
  }
  if (sub === 'export') {
    const out = values.out as string | undefined;
    if (!out || !out.endsWith('.ts')) throw new TabpilotError('INVALID_ARGUMENT', 'flow export: --out FILE.ts is required');
    // Before any work: never the flow itself, and an existing file only with --overwrite.
    checkOutputPath(out, { inputs: [file] });
    if (existsSync(out) && !values.overwrite) throw new TabpilotError('OUTPUT_PATH', 'already exists; pass --overwrite to replace it', { file: out });
    const target = values.target as string | undefined;
    const fit = await fitForExport(flow, { target, baseDir, params });
    if (fit.fitted.length > 0) console.log(`fitted ${fit.fitted.join(', ')} for the export (${file} is not changed)`);
    const source = exportFlowModule(fit.flow, { target, source: path.basename(file) });
    writeFileAtomic(out, source);
    console.log(`wrote ${out}`);
    return 0;
  }
  const t0 = performance.now();
  const result = await runFlow(flow, { ...destinationOptions(values), baseDir, params, refit: Boolean(values.refit) });
  const save = Boolean(values.save) && !values['no-save'];
  if (result.fitted.length > 0 && save) saveFlow(result.flow, file);
  if (values.json) {
    // Analyses without their HTML/SVG renderings (a report can be megabytes); the data stays.
    const analyses = Object.fromEntries(Object.entries(result.analyses).map(([k, v]) => [k, v && typeof v === 'object' ? { ...(v as object), html: undefined, svg: undefined } : v]));
    console.log(JSON.stringify({ written: result.written, fitted: result.fitted, reports: result.reports, analyses }, null, 2));
    return 0;
  }
  for (const [id, r] of Object.entries(result.reports)) {
    const counts = Object.entries(r.counts).map(([k, v]) => `${k}=${v}`).join(' ');
    console.log(`  ${id.padEnd(24)} ${Object.entries(r.rows).map(([k, v]) => (k === 'default' ? `${v} rows` : `${k}: ${v}`)).join(', ').padEnd(28)} ${String(r.ms).padStart(8)} ms${r.fitted ? '  fitted' : ''}${counts ? `  ${counts}` : ''}`);
  }
  for (const [id, a] of Object.entries(result.analyses)) {
    const summary = (a as { summary?: unknown }).summary;
    if (typeof summary === 'string') console.log(`analysis ${id}: ${summary}`);
  }
  for (const w of result.written) console.log(`wrote ${w.path} (${w.rows} rows)`);
  if (result.fitted.length > 0) console.log(save ? `fitted ${result.fitted.join(', ')}; state saved in ${file}` : `fitted ${result.fitted.join(', ')} (not saved in ${file}; --save stores it)`);
  console.log(`done in ${Math.round(performance.now() - t0)} ms`);
  return 0;
}
