import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TableSummary } from '../src/io/index.js';

// The CLI as users run it: the compiled entry point (`npm test` builds dist/ first).
const CLI = path.resolve('dist/src/cli/main.js');
const dir = mkdtempSync(path.join(os.tmpdir(), 'tabpilot-cli-'));
const tabpilot = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });

describe('tabpilot inspect', () => {
  it('shows sensible types for all 74 Ames columns with --target Sale_Price --json', () => {
    const out = execFileSync(process.execPath, [CLI, 'inspect', 'fixtures/ames.csv', '--target', 'Sale_Price', '--json'], { encoding: 'utf8' });
    const s = JSON.parse(out) as TableSummary;
    expect(s.rows).toBe(2930);
    expect(s.columns).toBe(74);
    expect(s.target).toBe('Sale_Price');
    const type = Object.fromEntries(s.columnSummaries.map((c) => [c.name, c.featureType]));
    expect(Object.keys(type)).toHaveLength(74);
    expect(type).toMatchObject({
      Sale_Price: 'numeric', Lot_Area: 'numeric', Gr_Liv_Area: 'numeric', Year_Built: 'numeric', Longitude: 'numeric',
      Neighborhood: 'categorical', MS_Zoning: 'categorical', Overall_Cond: 'categorical', Mas_Vnr_Type: 'categorical',
      Street: 'binary', Central_Air: 'binary',
    });
    // Every string-valued Ames column is categorical/binary (none is free text), every numeric one numeric.
    expect(s.columnSummaries.filter((c) => c.featureType === 'text' || c.featureType === 'datetime')).toEqual([]);
    const price = s.columnSummaries.find((c) => c.name === 'Sale_Price')!;
    expect(price).toMatchObject({ target: true, missing: 0, invalid: 0, min: 12789, max: 755000 });
    expect(price.mean).toBeCloseTo(180796.06, 1);
    expect(s.columnSummaries.find((c) => c.name === 'Bedroom_AbvGr')!.categoricalCandidate).toBe(true);
    expect(s.columnSummaries.find((c) => c.name === 'Neighborhood')!.cardinality).toBe(28);
  });

  it('prints a table, honours --limit and --type', () => {
    const r = tabpilot('inspect', 'fixtures/ames.csv', '--limit', '100', '--type', 'Year_Sold=categorical');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/100 rows \(first rows only: --limit\), 74 columns/);
    expect(r.stdout).toMatch(/Year_Sold\s+categorical \(forced\)/);
  });

  it('errors are one clear line with a non-zero exit', () => {
    for (const args of [
      ['inspect', path.join(dir, 'missing.csv')],
      ['inspect', 'fixtures/ames.csv', '--target', 'Nope'],
      ['inspect', 'fixtures/ames.csv', '--limit', 'abc'],
      ['inspect'],
      ['convert', 'fixtures/ames.csv'],
    ]) {
      const r = tabpilot(...args);
      expect(r.status, args.join(' ')).not.toBe(0);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^tabpilot: /);
    }
    expect(tabpilot('inspect', 'fixtures/ames.csv', '--target', 'Nope').stderr).toMatch(/column "Nope"/);
    const ragged = path.join(dir, 'ragged.csv');
    writeFileSync(ragged, 'a,b\n1,2\n3\n');
    expect(tabpilot('inspect', ragged).stderr).toMatch(/ragged\.csv, line 3: expected 2 fields/);
  });

  it('--help works for inspect and convert', () => {
    expect(tabpilot('inspect', '--help').stdout).toMatch(/Usage: tabpilot inspect FILE/);
    expect(tabpilot('convert', '--help').stdout).toMatch(/Usage: tabpilot convert IN OUT/);
  });
});

describe('tabpilot convert', () => {
  it('CSV -> Parquet -> Arrow -> CSV keeps rows and types', () => {
    const pq = path.join(dir, 'ames.parquet');
    const arrow = path.join(dir, 'ames.arrow');
    const csv = path.join(dir, 'ames.csv');
    expect(tabpilot('convert', 'fixtures/ames.csv', pq).stdout).toMatch(/2930 rows, 74 columns/);
    expect(tabpilot('convert', pq, arrow).status).toBe(0);
    expect(tabpilot('convert', arrow, csv).status).toBe(0);
    const a = JSON.parse(tabpilot('inspect', 'fixtures/ames.csv', '--json').stdout) as TableSummary;
    const b = JSON.parse(tabpilot('inspect', csv, '--json').stdout) as TableSummary;
    expect(b.columnSummaries.map((c) => [c.name, c.kind, c.cardinality, c.mean])).toEqual(a.columnSummaries.map((c) => [c.name, c.kind, c.cardinality, c.mean]));
    const r = tabpilot('convert', 'fixtures/ames.csv', path.join(dir, 'out.xlsx'));
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/extension/);
  });
});
