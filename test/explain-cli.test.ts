import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, trainPipeline } from './serve-fixtures.js';

const CLI = path.resolve(import.meta.dirname, '../dist/src/cli/main.js');

describe.skipIf(!existsSync(CLI))('tabpilot explain and report (CLI)', () => {
  it('writes shap.csv whose rows add up to the model output, and a report with its JSON', async () => {
    const { pipeline } = await trainPipeline('penguins.csv', 'species', 'multiclass', 'gbdt', { numRounds: 20, earlyStoppingRounds: 0 });
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tabpilot-explain-'));
    await pipeline.save(path.join(dir, 'model'));
    const out = path.join(dir, 'shap.csv');
    const stdout = execFileSync(process.execPath, [CLI, 'explain', path.join(dir, 'model'), path.join(FIXTURES, 'penguins.csv'), '--rows', '25', '--out', out], { encoding: 'utf8' });
    expect(stdout).toMatch(/exact TreeSHAP over 60 trees/);
    const [header, ...lines] = readFileSync(out, 'utf8').trim().split('\n');
    const cols = header.split(',');
    expect(cols[0]).toBe('row');
    expect(cols).toContain('bill_length_mm[Gentoo]');
    expect(lines).toHaveLength(25);
    const classes = pipeline.classes!;
    for (const line of lines) {
      const v = line.split(',').map(Number);
      for (const c of classes) {
        const parts = cols.map((name, i) => (name.endsWith(`[${c}]`) && !name.startsWith('expected_value') && !name.startsWith('model_output') ? v[i] : 0));
        const sum = parts.reduce((a, b) => a + b, 0) + v[cols.indexOf(`expected_value[${c}]`)];
        expect(sum).toBeCloseTo(v[cols.indexOf(`model_output[${c}]`)], 9);
      }
    }
    const html = path.join(dir, 'report.html');
    execFileSync(process.execPath, [CLI, 'report', path.join(dir, 'model'), '--data', path.join(FIXTURES, 'penguins.csv'), '--out', html], { encoding: 'utf8' });
    const json = JSON.parse(readFileSync(path.join(dir, 'report.json'), 'utf8')) as { metrics: { name: string; value: number }[]; shap: { method: string } };
    expect(json.shap.method).toBe('treeshap');
    expect(json.metrics.find((m) => m.name === 'Accuracy')!.value).toBeGreaterThan(0.9);
    expect(readFileSync(html, 'utf8')).toMatch(/<section id="shap-summary">/);
  });
});
