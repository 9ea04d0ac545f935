// `npm run build`, second step: the CommonJS twin of dist/src in dist/cjs/src, so `require('tabpilot')` works on
// Node 20 without flags. tsc cannot emit it (the sources use import.meta.url), so each compiled ESM file is
// transformed on its own with esbuild (no bundling: the file layout, relative imports and lazy `import()` stay).
// In the CJS twin, `import.meta.url` names the ESM twin's file: paths computed from it (the native addon, the
// worker scripts that piscina loads, createRequire) then resolve exactly as they do for the ESM build.
// The declaration files are copied next to the CJS files so `require` consumers get CommonJS-flavoured types.
import { copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { transform } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const esmDir = path.join(root, 'dist', 'src');
const cjsRoot = path.join(root, 'dist', 'cjs');
const cjsDir = path.join(cjsRoot, 'src');
/** The identifier the CJS files get instead of `import.meta.url` (defined by each file's banner). */
const META_URL = '__tabpilotEsmUrl';

function* walk(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(full);
    else yield full;
  }
}

rmSync(cjsRoot, { recursive: true, force: true });
let count = 0;
for (const file of walk(esmDir)) {
  const rel = path.relative(esmDir, file);
  const out = path.join(cjsDir, rel);
  if (file.endsWith('.d.ts')) {
    mkdirSync(path.dirname(out), { recursive: true });
    copyFileSync(file, out);
  } else if (file.endsWith('.js')) {
    const code = readFileSync(file, 'utf8').replace(/^#!.*\n/, '');
    const esmTwin = path.relative(path.dirname(out), file).split(path.sep).join('/');
    const banner = `const ${META_URL} = require("node:url").pathToFileURL(require("node:path").join(__dirname, ${JSON.stringify(esmTwin)})).href;`;
    const result = await transform(code, {
      format: 'cjs',
      platform: 'node',
      target: 'node20',
      define: { 'import.meta.url': META_URL },
      banner,
      sourcefile: rel,
      logLevel: 'error',
    });
    mkdirSync(path.dirname(out), { recursive: true });
    writeFileSync(out, result.code);
    count++;
  }
}
writeFileSync(path.join(cjsRoot, 'package.json'), JSON.stringify({ type: 'commonjs' }, null, 2) + '\n');
console.log(`dist/cjs: ${count} CommonJS modules`);
