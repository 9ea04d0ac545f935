import { readFileSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { type FeatureDefinition, type FeatureGroupInput, FEATURE_TYPES, type FeatureStore, openFeatureStore, type FeatureType } from '../../features/index.js';
import { readTable, writeTable } from '../../io/index.js';
import { parseCommandArgs } from '../../util/args.js';
import { TabpilotError } from '../../util/errors.js';
import { checkOutputPath, userFsError } from '../../util/output.js';

export const help = `Usage: tabpilot features <create|update|describe|list|ingest|get|delete|build-dataset> ... [--store DIR] [--json]

The Feature Store (docs/feature-store.md): feature groups in a local store directory (default
./feature-store) with an online store (latest record per identifier) and an offline store (Parquet files
partitioned by event date).

  features create GROUP --id COL --event-time COL --feature NAME:TYPE ... [--ttl 7d] [--online-only|--offline-only] [--description TEXT]
  features create [GROUP] --definition FILE.json
      Creates a feature group. Types: ${FEATURE_TYPES.join(', ')}. The identifier is String or Integral; the
      event time is String (ISO-8601), Fractional (Unix seconds) or Datetime. --ttl: 30s, 15m, 12h, 7d, 2w.
      FILE.json: { "name", "recordIdentifier", "eventTime", "features": [{ "name", "type" }], "ttl": "7d" }.
  features update GROUP --feature NAME:TYPE ...
      Adds features (the only schema change a group allows).
  features describe GROUP
      The definition and record counts.
  features list
      The feature groups of the store.
  features ingest GROUP FILE [--on-invalid refuse|skip] [--ttl 7d]
      Ingests CSV, Parquet, Arrow or JSON Lines (.jsonl). Bad records refuse the whole file (default, nothing
      written) or, with --on-invalid skip, are listed and left out. Re-ingesting a record with the same
      identifier, event time and values writes nothing.
  features get GROUP ID [ID ...] [--feature NAME ...]
      The latest online records (absent, deleted or expired records are reported as not found; exit
      code 1 when none is found).
  features delete GROUP --id ID [--hard] [--event-time TIME]
      Deletes a record: soft (default; no longer returned) or hard (removed from the online store). A
      deletion marker is appended to the offline store.
  features delete GROUP --whole-group
      Deletes the whole feature group, online and offline.
  features build-dataset ENTITIES --group A [--group B ...] --out FILE [--event-time COL] [--max-age 30d]
      A point-in-time correct dataset: each ENTITIES row (identifier + event time columns, plus e.g. the
      label) gets each group's latest feature values with event time <= the row's time. Output by extension
      (.parquet, .csv, .arrow); it feeds 'tabpilot train' and 'tabpilot autopilot' directly.

Options:
  --store DIR   the store directory (default ./feature-store)
  --json        machine-readable output
  -h, --help    show this help`;

type Values = Record<string, string | string[] | boolean | undefined>;

const OPTIONS = {
  store: { type: 'string' }, json: { type: 'boolean' }, id: { type: 'string', multiple: true }, 'event-time': { type: 'string' },
  feature: { type: 'string', multiple: true }, ttl: { type: 'string' }, 'online-only': { type: 'boolean' }, 'offline-only': { type: 'boolean' },
  description: { type: 'string' }, definition: { type: 'string' }, 'on-invalid': { type: 'string' }, hard: { type: 'boolean' },
  group: { type: 'string', multiple: true }, out: { type: 'string' }, 'max-age': { type: 'string' }, 'whole-group': { type: 'boolean' },
} as const;

function print(json: boolean, value: unknown, text: () => string): void {
  console.log(json ? JSON.stringify(value, null, 2) : text());
}

function parseFeatureFlags(flags: readonly string[] | undefined): FeatureDefinition[] {
  return (flags ?? []).map((flag) => {
    const colon = flag.lastIndexOf(':');
    const type = flag.slice(colon + 1);
    if (colon <= 0 || !FEATURE_TYPES.includes(type as FeatureType)) {
      throw new TabpilotError('INVALID_ARGUMENT', `--feature expects NAME:TYPE with TYPE one of ${FEATURE_TYPES.join(', ')}, got "${flag}"`);
    }
    return { name: flag.slice(0, colon), type: type as FeatureType };
  });
}

function one(values: Values, key: string): string | undefined {
  const v = values[key];
  return Array.isArray(v) ? v[v.length - 1] : (v as string | undefined);
}

function definitionFrom(positionals: string[], values: Values): FeatureGroupInput {
  if (values.definition !== undefined) {
    const file = values.definition as string;
    let json: Record<string, unknown>;
    try {
      json = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    } catch (e) {
      if (e instanceof SyntaxError) throw new TabpilotError('BAD_FORMAT', `invalid JSON: ${e.message}`, { file });
      throw userFsError(e, 'FILE_ERROR', file) ?? e;
    }
    if (positionals[0] !== undefined && json.name !== undefined && json.name !== positionals[0]) {
      throw new TabpilotError('INVALID_ARGUMENT', `the definition names group "${String(json.name)}", the command "${positionals[0]}"`, { file });
    }
    return { ...(json as unknown as FeatureGroupInput), name: (json.name as string | undefined) ?? positionals[0] ?? '' };
  }
  if (positionals.length !== 1) throw new TabpilotError('INVALID_ARGUMENT', 'features create: expected GROUP (or --definition FILE.json)');
  const id = one(values, 'id');
  const eventTime = values['event-time'] as string | undefined;
  if (id === undefined || eventTime === undefined) throw new TabpilotError('INVALID_ARGUMENT', 'features create: --id COL and --event-time COL are required');
  return {
    name: positionals[0], recordIdentifier: id, eventTime, features: parseFeatureFlags(values.feature as string[] | undefined),
    online: !values['offline-only'], offline: !values['online-only'], ttl: (values.ttl as string | undefined) ?? null,
    description: values.description as string | undefined,
  } as FeatureGroupInput;
}

function needGroup(positionals: string[], sub: string): string {
  if (positionals[0] === undefined) throw new TabpilotError('INVALID_ARGUMENT', `features ${sub}: expected GROUP (see tabpilot features --help)`);
  return positionals[0];
}

/** Writes a table through a temp file beside `out`, then renames it (never a half-written output). */
function writeOutput(frame: Parameters<typeof writeTable>[0], out: string): void {
  const tmp = path.join(path.dirname(out), `.${path.basename(out)}.tmp-${process.pid}${path.extname(out)}`);
  try {
    writeTable(frame, tmp);
    renameSync(tmp, out);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw userFsError(e, 'OUTPUT_PATH', out) ?? e;
  }
}

async function buildDatasetCommand(store: FeatureStore, positionals: string[], values: Values): Promise<number> {
  const entitiesFile = positionals[0];
  const groups = (values.group as string[] | undefined) ?? [];
  const out = values.out as string | undefined;
  if (entitiesFile === undefined || groups.length === 0 || out === undefined) {
    throw new TabpilotError('INVALID_ARGUMENT', 'features build-dataset: expected ENTITIES --group NAME [--group NAME ...] --out FILE');
  }
  const target = checkOutputPath(out, { inputs: [entitiesFile] });
  // Identifier columns as text, so "007" stays "007" when the group's identifiers are strings.
  const header = (await readTable(entitiesFile, { limit: 1 })).frame.columnNames;
  const idColumns = groups.map((g) => store.describeFeatureGroup(g).recordIdentifier).filter((c) => header.includes(c));
  const { frame: entities } = await readTable(entitiesFile, { types: new Map(idColumns.map((c) => [c, 'text' as const])) });
  const frame = await store.buildDataset({ entities, groups, eventTime: values['event-time'] as string | undefined, maxAge: values['max-age'] as string | undefined });
  writeOutput(frame, target);
  print(Boolean(values.json), { out: target, rows: frame.numRows, columns: frame.columnNames }, () => `wrote ${out}: ${frame.numRows} rows, ${frame.numColumns} columns`);
  return 0;
}

async function ingestCommand(store: FeatureStore, positionals: string[], values: Values): Promise<number> {
  if (positionals.length !== 2) throw new TabpilotError('INVALID_ARGUMENT', 'features ingest: expected GROUP FILE');
  const onInvalid = (values['on-invalid'] as string | undefined) ?? 'refuse';
  if (onInvalid !== 'refuse' && onInvalid !== 'skip') throw new TabpilotError('INVALID_ARGUMENT', `--on-invalid expects refuse or skip, got "${onInvalid}"`);
  const r = await store.ingest(positionals[0], positionals[1], { onInvalid, ttl: values.ttl as string | undefined });
  print(Boolean(values.json), r, () => {
    const lines = [`${r.group}: ${r.records} records, ${r.written} written, ${r.unchanged} already stored, ${r.rejected.length} rejected`];
    for (const x of r.rejected.slice(0, 20)) lines.push(`  rejected row ${x.row}, column "${x.field}": ${x.message}`);
    if (r.rejected.length > 20) lines.push(`  ... and ${r.rejected.length - 20} more`);
    return lines.join('\n');
  });
  return 0;
}

function describeText(d: ReturnType<FeatureStore['describeFeatureGroup']>): string {
  const features = d.features.map((f) => `  ${f.name}: ${f.type}${f.name === d.recordIdentifier ? ' (record identifier)' : f.name === d.eventTime ? ' (event time)' : ''}`);
  const ttl = d.ttl === null ? 'none' : `${d.ttl.value} ${d.ttl.unit}`;
  return [`${d.name}${d.description ? ` - ${d.description}` : ''}`, ...features,
    `online: ${d.online ? `${d.onlineRecords} records` : 'off'}; offline: ${d.offline ? `${d.offlineRecords} records in ${d.offlineFiles} files` : 'off'}; ttl: ${ttl}; created ${d.createdAt}`].join('\n');
}

async function dispatch(store: FeatureStore, sub: string, positionals: string[], values: Values): Promise<number> {
  const json = Boolean(values.json);
  switch (sub) {
    case 'update': {
      const g = store.addFeatures(needGroup(positionals, sub), parseFeatureFlags(values.feature as string[] | undefined));
      print(json, g, () => `${g.name}: ${g.features.length} features`);
      return 0;
    }
    case 'describe': {
      const d = store.describeFeatureGroup(needGroup(positionals, sub));
      print(json, d, () => describeText(d));
      return 0;
    }
    case 'list': {
      const groups = store.listFeatureGroups();
      print(json, groups, () => (groups.length === 0 ? '(no feature groups)' : groups.map((g) => `${g.name}\t${g.features.length} features\tid ${g.recordIdentifier}\tevent time ${g.eventTime}`).join('\n')));
      return 0;
    }
    case 'ingest':
      return ingestCommand(store, positionals, values);
    case 'get': {
      const group = needGroup(positionals, sub);
      if (positionals.length < 2) throw new TabpilotError('INVALID_ARGUMENT', 'features get: expected GROUP ID [ID ...]');
      const r = store.batchGetRecord([{ group, ids: positionals.slice(1), features: values.feature as string[] | undefined }]);
      print(json, r, () => [...r.records.map((x) => JSON.stringify(x.record)), ...r.notFound.map((x) => `${x.id}: not found`)].join('\n'));
      return r.notFound.length > 0 && r.records.length === 0 ? 1 : 0;
    }
    case 'delete':
      return deleteCommand(store, needGroup(positionals, sub), values);
    case 'build-dataset':
      return buildDatasetCommand(store, positionals, values);
    default:
      throw new TabpilotError('INVALID_ARGUMENT', `features: unknown subcommand "${sub}" (see tabpilot features --help)`);
  }
}

function deleteCommand(store: FeatureStore, group: string, values: Values): number {
  const ids = (values.id as string[] | undefined) ?? [];
  if (values['whole-group']) {
    if (ids.length > 0) throw new TabpilotError('INVALID_ARGUMENT', 'features delete: give --id ID (a record) or --whole-group, not both');
    store.deleteFeatureGroup(group);
    print(Boolean(values.json), { deleted: group }, () => `deleted feature group ${group}`);
    return 0;
  }
  if (ids.length === 0) throw new TabpilotError('INVALID_ARGUMENT', 'features delete: expected --id ID (or --whole-group to delete the whole group)');
  for (const id of ids) store.deleteRecord(group, id, { mode: values.hard ? 'hard' : 'soft', eventTime: values['event-time'] as string | undefined });
  print(Boolean(values.json), { group, deleted: ids, mode: values.hard ? 'hard' : 'soft' }, () => `deleted ${ids.length} record(s) from ${group} (${values.hard ? 'hard' : 'soft'})`);
  return 0;
}

export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined) throw new TabpilotError('INVALID_ARGUMENT', 'features: expected a subcommand (see tabpilot features --help)');
  const parsed = parseCommandArgs(rest, OPTIONS, `features ${sub}`);
  const values = parsed.values as Values;
  const storeDir = (values.store as string | undefined) ?? './feature-store';
  const store = openFeatureStore(storeDir, { create: sub === 'create' });
  try {
    if (sub === 'create') {
      const g = store.createFeatureGroup(definitionFrom(parsed.positionals, values));
      print(Boolean(values.json), g, () => `created feature group ${g.name} in ${store.dir}`);
      return 0;
    }
    return await dispatch(store, sub, parsed.positionals, values);
  } finally {
    store.close();
  }
}
