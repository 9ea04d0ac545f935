import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ts from 'typescript';

/**
 * Shared by the flow security tests and the flow fuzz target: compile a module written by `flow export`,
 * look for code a flow value smuggled into it, and run batches of such modules in a child process with
 * a canary that must never fire.
 */

/** Name of the canary function payloads call; the child process defines it to exit with CANARY_EXIT. */
export const CANARY = '__tabpilot_canary__';
/** Exit status of a child process in which a payload ran (the canary fired). */
export const CANARY_EXIT = 42;

/** Strings that close a string literal, a comment or a template and call the canary if embedded raw. */
export const PAYLOADS: readonly string[] = [
  `\r${CANARY}();//`,
  `\n${CANARY}();//`,
  `\u2028${CANARY}();//`,
  `\u2029${CANARY}();//`,
  `"+${CANARY}()+"`,
  `'+${CANARY}()+'`,
  `\`+${CANARY}()+\``,
  `\${${CANARY}()}`,
  `*/${CANARY}();/*`,
  `\\"+${CANARY}()+"`,
  `0);${CANARY}();(`,
  `</script>${CANARY}()`,
];

/** TypeScript to JavaScript (ES module) without type checking; syntax errors are returned, not thrown. */
export function transpile(source: string): { js: string; errors: string[] } {
  const out = ts.transpileModule(source, { reportDiagnostics: true, compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } });
  const errors = (out.diagnostics ?? []).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  return { js: out.outputText, errors };
}

/**
 * One parse of a module (no emit): its syntax errors and the identifiers that contain `marker` (see
 * injectedIdentifiers). What the fuzz target checks on every exported module; transpile is only needed for
 * the modules that are run.
 */
export function checkModuleSource(source: string, marker = CANARY): { errors: string[]; injected: string[] } {
  const file = ts.createSourceFile('exported.ts', source, ts.ScriptTarget.ES2022, true);
  // parseDiagnostics: the syntactic diagnostics transpileModule would report (not in the public typings).
  const diagnostics = (file as unknown as { parseDiagnostics: readonly ts.Diagnostic[] }).parseDiagnostics;
  const errors = diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  return { errors, injected: identifiersIn(file, marker) };
}

function identifiersIn(file: ts.SourceFile, marker: string): string[] {
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isIdentifier(node) || ts.isPrivateIdentifier(node)) && node.text.includes(marker)) found.push(node.text);
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

/**
 * Identifiers of the module's syntax tree that contain `marker`. A payload embedded safely stays inside a
 * string literal or a comment; one that escaped becomes code, and its canary call an identifier.
 */
export function injectedIdentifiers(source: string, marker = CANARY): string[] {
  return identifiersIn(ts.createSourceFile('exported.ts', source, ts.ScriptTarget.ES2022, true), marker);
}

export type CellJson = number | string | boolean | null;
export interface TableJson {
  names: string[];
  cols: Record<string, CellJson[]>;
  n: number;
}

export interface ModuleRun {
  /** Per module: "ok" when transform() returned, else the error it threw (a thrown error is not a failure). */
  results: string[];
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Maximum time one batch of exported modules may run in the child process. */
const CHILD_TIMEOUT_MS = 60_000;

/**
 * Imports each compiled module in one child process (with the canary defined) and calls its transform()
 * on its table. A canary call exits the child with CANARY_EXIT.
 */
export function runModules(modules: { js: string; table: TableJson }[]): ModuleRun {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tabpilot-exported-'));
  try {
    modules.forEach((m, i) => {
      writeFileSync(path.join(dir, `m${i}.mjs`), m.js);
      writeFileSync(path.join(dir, `t${i}.json`), JSON.stringify(m.table));
    });
    const harness = `import { readFileSync } from 'node:fs';
globalThis[${JSON.stringify(CANARY)}] = () => process.exit(${CANARY_EXIT});
const results = [];
for (let i = 0; i < ${modules.length}; i++) {
  try {
    const m = await import('./m' + i + '.mjs');
    m.transform(JSON.parse(readFileSync(new URL('./t' + i + '.json', import.meta.url), 'utf8')));
    results.push('ok');
  } catch (e) {
    results.push('threw: ' + (e && e.message));
  }
}
console.log(JSON.stringify(results));
`;
    writeFileSync(path.join(dir, 'harness.mjs'), harness);
    const r = spawnSync(process.execPath, [path.join(dir, 'harness.mjs')], { encoding: 'utf8', timeout: CHILD_TIMEOUT_MS });
    let results: string[] = [];
    try {
      results = JSON.parse(r.stdout.trim().split('\n').pop() ?? '[]') as string[];
    } catch {
      /* the child died before printing: status and stderr say why */
    }
    return { results, status: r.status, stdout: r.stdout, stderr: r.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
