/**
 * The documentation's commands run as written. Every `tabpilot ...` line of a ```sh block in README.md and
 * docs/*.md that uses a shipped fixture (fixtures/...) is run against the compiled CLI, in document order
 * (a later line may use an earlier line's model), in a fresh directory per document:
 * - `tabpilot` becomes `node dist/src/cli/main.js`; `fixtures/...` the repository's fixtures;
 * - `/tmp/...` moves under the temporary directory, and relative output names land in it (it is the cwd);
 * - lines that start a server or an AutoML search are listed in SKIPPED with the reason, and skipped.
 * A line passes when it exits 0 and every file or directory it names as output (--out, --json, `> FILE`,
 * convert's OUT) exists afterwards.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '..');
const CLI = path.join(ROOT, 'dist/src/cli/main.js');
const DOCS = ['README.md', ...readdirSync(path.join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`)];

/** Commands not run here, and why (each is covered by its own test file). */
const SKIPPED: readonly { readonly pattern: RegExp; readonly reason: string }[] = [
  { pattern: /^tabpilot serve\b/, reason: 'starts a server that never exits (serve-cli.test.ts)' },
  { pattern: /^tabpilot (autopilot|demo)\b/, reason: 'a minutes-long AutoML search (automl-cli.test.ts)' },
];

/** Per-command limit (ms): the slowest documented command (insights on Ames with its quick model) takes ~20 s alone. */
const COMMAND_TIMEOUT_MS = 110_000;

/** Shell words of one command line: single and double quotes, backslash escapes; `#` starting a word ends the line. */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  let word: string | null = null;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote !== null) {
      if (c === quote) quote = null;
      else if (c === '\\' && quote === '"' && i + 1 < line.length) word += line[++i];
      else word += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      word ??= '';
    } else if (c === '\\' && i + 1 < line.length) {
      word = (word ?? '') + line[++i];
    } else if (/\s/.test(c)) {
      if (word !== null) words.push(word);
      word = null;
    } else if (c === '#' && word === null) {
      break;
    } else {
      word = (word ?? '') + c;
    }
  }
  if (quote !== null) throw new Error(`unterminated quote in: ${line}`);
  if (word !== null) words.push(word);
  return words;
}

/** The command lines of a Markdown text's sh/bash/shell blocks, continuation lines (`\` at the end) joined. */
export function shellLines(markdown: string): string[] {
  const lines: string[] = [];
  for (const block of markdown.matchAll(/^```(?:sh|bash|shell)\n([\s\S]*?)^```/gm)) {
    let pending = '';
    for (const raw of block[1].split('\n')) {
      const line = pending + raw;
      if (/\\\s*$/.test(line)) {
        pending = line.replace(/\\\s*$/, ' ');
        continue;
      }
      pending = '';
      if (line.trim() !== '' && !line.trim().startsWith('#')) lines.push(line.trim());
    }
  }
  return lines;
}

/** Output paths a command names: values of --out, --json and `>`, and convert's second positional. */
function outputsOf(words: readonly string[]): string[] {
  const outs: string[] = [];
  if (words.includes('>')) outs.push(words[words.indexOf('>') + 1]);
  for (let i = 0; i < words.length - 1; i++) if (words[i] === '--out' || words[i] === '--json') outs.push(words[i + 1]);
  if (words[1] === 'convert') outs.push(words.filter((w, i) => i > 1 && !w.startsWith('-'))[1]);
  return outs.filter((o) => o !== undefined && o !== '-');
}

/** Runs the CLI without blocking the test worker (a blocked worker misses vitest's heartbeats). */
function runCli(args: readonly string[], cwd: string, stdoutFile?: string): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'], timeout: COMMAND_TIMEOUT_MS });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (status) => {
      if (stdoutFile !== undefined) writeFileSync(path.resolve(cwd, stdoutFile), stdout);
      resolve({ status, stderr });
    });
  });
}

/** A command's arguments and the file its standard output is redirected to (`> FILE`); other shell operators are refused. */
function splitRedirect(words: readonly string[]): { args: string[]; stdoutFile?: string } {
  const unsupported = words.find((w) => ['|', '<', '&&', ';', '2>', '>>'].includes(w));
  if (unsupported !== undefined) throw new Error(`docs-commands: "${unsupported}" is not supported; write the command without it`);
  const at = words.indexOf('>');
  if (at < 0) return { args: [...words] };
  if (at !== words.length - 2) throw new Error('docs-commands: "> FILE" must end the command');
  return { args: words.slice(0, at), stdoutFile: words[at + 1] };
}

/** Rewrites one word: fixtures to the repository's, /tmp/... under `dir`. */
function rewrite(word: string, dir: string): string {
  if (word.startsWith('fixtures/')) return path.join(ROOT, word);
  if (word.startsWith('/tmp/')) return path.join(dir, 'tmp', word.slice('/tmp/'.length));
  return word;
}

const documented = DOCS.map((doc) => ({
  doc,
  commands: shellLines(readFileSync(path.join(ROOT, doc), 'utf8')).filter((l) => l.startsWith('tabpilot ') && l.includes('fixtures/')),
}));

describe('the shell parsing of the docs', () => {
  it('splits words, keeps quoted JSON, drops comments, joins continuation lines', () => {
    expect(shellWords(`tabpilot train d.csv --hyperparameters '{"C":0.1}' --out m   # one # comment`)).toEqual(['tabpilot', 'train', 'd.csv', '--hyperparameters', '{"C":0.1}', '--out', 'm']);
    expect(shellLines('```sh\ntabpilot a \\\n  --b c\n# note\n```\n')).toEqual(['tabpilot a    --b c']);
  });

  it('finds the fixture commands of the README and the docs', () => {
    const all = documented.flatMap((d) => d.commands);
    expect(all.length).toBeGreaterThanOrEqual(15);
    expect(all.some((c) => c.startsWith('tabpilot report '))).toBe(true);
  });
});

for (const { doc, commands } of documented) {
  if (commands.length === 0) continue;
  describe(`${doc}: commands run as written`, () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tabpilot-docs-'));
    mkdirSync(path.join(dir, 'tmp'), { recursive: true });
    for (const line of commands) {
      const skip = SKIPPED.find((s) => s.pattern.test(line));
      const words = shellWords(line);
      const name = words.join(' ');
      it(skip ? `${name} (skipped: ${skip.reason})` : name, async (ctx) => {
        if (skip) ctx.skip();
        if (!existsSync(CLI)) ctx.skip();
        const { args, stdoutFile } = splitRedirect(words.slice(1).map((w) => rewrite(w, dir)));
        const r = await runCli(args, dir, stdoutFile);
        expect(r.stderr).not.toMatch(/^tabpilot: /m);
        expect(r.status, `${line}\n${r.stderr}`).toBe(0);
        for (const out of outputsOf(words)) expect(existsSync(path.resolve(dir, rewrite(out, dir))), `${line}: ${out} was not written`).toBe(true);
      }, COMMAND_TIMEOUT_MS + 10_000);
    }
  });
}
