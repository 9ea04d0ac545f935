import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../src/cli/commands/autopilot.js';

const fixture = (name: string) => path.join(__dirname, '..', 'fixtures', name);

describe('tabpilot autopilot (CLI)', () => {
  it('writes the leaderboard, the model and a model quality report of the best model', async () => {
    const out = path.join(mkdtempSync(path.join(os.tmpdir(), 'tabpilot-ap-cli-')), 'job');
    const code = await run([fixture('pima_diabetes2.csv'), '--target', 'diabetes', '--learners', 'linear', '--max-candidates', '2', '--instances', '0', '--quiet', '--out', out]);
    expect(code).toBe(0);
    for (const f of ['leaderboard.csv', 'leaderboard.json', 'job.json', 'model/model.json', 'model-report.html', 'model-report.json']) {
      expect(existsSync(path.join(out, f)), f).toBe(true);
    }
    const report = JSON.parse(readFileSync(path.join(out, 'model-report.json'), 'utf8'));
    expect(report.evaluation.rows).toBe(768);
    expect(report.evaluation.dataName).toMatch(/in-sample/);
    expect(report.metrics.map((m: { name: string }) => m.name)).toContain('AUC');
    const html = readFileSync(path.join(out, 'model-report.html'), 'utf8');
    expect(html).toContain('Model quality report');
    expect(html).not.toMatch(/<script/i);
  });

  it('evaluates the report on --test data and can skip it with --no-report', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tabpilot-ap-cli-'));
    const withTest = path.join(dir, 'a');
    await run([fixture('pima_diabetes2.csv'), '--target', 'diabetes', '--learners', 'linear', '--max-candidates', '1', '--instances', '0', '--quiet', '--out', withTest, '--test', fixture('pima_diabetes2.csv')]);
    expect(JSON.parse(readFileSync(path.join(withTest, 'model-report.json'), 'utf8')).evaluation.dataName).toMatch(/held out/);
    const without = path.join(dir, 'b');
    await run([fixture('pima_diabetes2.csv'), '--target', 'diabetes', '--learners', 'linear', '--max-candidates', '1', '--instances', '0', '--quiet', '--no-report', '--out', without]);
    expect(existsSync(path.join(without, 'model', 'model.json'))).toBe(true);
    expect(existsSync(path.join(without, 'model-report.html'))).toBe(false);
  });
});
