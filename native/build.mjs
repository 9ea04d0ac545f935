// `npm run build:native`: compiles the optional C++ kernels with node-gyp against the system Node headers
// (--nodedir=/usr, no download). Never run from an install script; everything works without it.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const nodeGyp = require.resolve('node-gyp/bin/node-gyp.js');
const result = spawnSync(process.execPath, [nodeGyp, 'rebuild', '--nodedir=/usr', `--jobs=2`], { cwd: here, stdio: 'inherit' });
if (result.status !== 0) {
  console.error('native build failed; tabpilot keeps working with its TypeScript kernels');
  process.exit(result.status ?? 1);
}
console.log(`built ${path.join(here, 'build', 'Release', 'tabpilot_native.node')}`);
