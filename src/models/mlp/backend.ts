import { createRequire } from 'node:module';
import path from 'node:path';
import { registerMlpGradients } from './gradients.js';

/**
 * TensorFlow.js with the best backend available, in this order:
 *   1. `@tensorflow/tfjs-node` (native TensorFlow; an optional peer dependency, used when installed),
 *   2. `@tensorflow/tfjs-backend-wasm` (an optional peer dependency, 13 MB), its .wasm binaries loaded from
 *      node_modules by file path (no network),
 *   3. the pure-JS `cpu` backend, silently when neither is installed (`tabpilot doctor` says what to install).
 * Only `@tensorflow/tfjs-core` and `@tensorflow/tfjs-backend-cpu` are dependencies (not the `@tensorflow/tfjs`
 * umbrella, which pulls layers, converter, data and webgl that tabpilot never uses). TABPILOT_TF_BACKEND=wasm|cpu
 * forces a backend (a forced wasm that is not installed still falls back to cpu).
 * Loaded lazily on the first MLP fit, so commands that only predict never pay for it (MLP inference runs
 * in plain TypeScript on the stored weights).
 */
export type Tf = typeof import('@tensorflow/tfjs-core');
export type MlpBackendName = 'tensorflow' | 'wasm' | 'cpu';

let loading: Promise<{ tf: Tf; backend: MlpBackendName }> | null = null;
let active: MlpBackendName | null = null;

/** The backend MLP training runs on, or null before the first MLP fit (or `loadTensorflow()`). */
export function mlpBackend(): MlpBackendName | null {
  return active;
}

/** Whether `name`'s package.json resolves from here (installed), without loading the package. */
function installed(name: string): boolean {
  try {
    createRequire(import.meta.url).resolve(`${name}/package.json`);
    return true;
  } catch {
    return false;
  }
}

/**
 * The backend MLP training will run on, without loading TensorFlow: the active one after the first fit, otherwise
 * the first installed package in selectBackend's order (TABPILOT_TF_BACKEND respected). A tfjs-node whose binary
 * fails to load still counts as 'tensorflow' here: the guess is only used to price MLP fits.
 */
export function expectedMlpBackend(): MlpBackendName {
  if (active) return active;
  const forced = process.env.TABPILOT_TF_BACKEND as MlpBackendName | undefined;
  if ((forced === undefined || forced === 'tensorflow') && installed('@tensorflow/tfjs-node')) return 'tensorflow';
  if ((forced === undefined || forced === 'wasm') && installed('@tensorflow/tfjs-backend-wasm')) return 'wasm';
  return 'cpu';
}

export function loadTensorflow(): Promise<{ tf: Tf; backend: MlpBackendName }> {
  loading ??= selectBackend();
  return loading;
}

async function selectBackend(): Promise<{ tf: Tf; backend: MlpBackendName }> {
  const forced = process.env.TABPILOT_TF_BACKEND as MlpBackendName | undefined;
  if (forced === undefined || forced === 'tensorflow') {
    try {
      // A variable specifier keeps TypeScript from resolving a package that is normally not installed.
      const nodeBinding = '@tensorflow/tfjs-node';
      const tfNode = (await import(nodeBinding)) as Tf;
      if (await tfNode.setBackend('tensorflow')) {
        await tfNode.ready();
        active = 'tensorflow';
        registerMlpGradients(tfNode);
        return { tf: tfNode, backend: active };
      }
    } catch {
      // Not installed or no prebuilt binary for this platform: fall through to wasm.
    }
  }
  const tf = await import('@tensorflow/tfjs-core');
  // Registers the `cpu` backend with tfjs-core (a side-effect import; it is also the fallback below).
  await import('@tensorflow/tfjs-backend-cpu');
  registerMlpGradients(tf);
  if (forced === undefined || forced === 'wasm') {
    try {
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      const require = createRequire(import.meta.url);
      const dist = path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + path.sep;
      wasm.setWasmPaths(dist);
      if (await tf.setBackend('wasm')) {
        await tf.ready();
        active = 'wasm';
        return { tf, backend: active };
      }
    } catch {
      // wasm unavailable: fall back to cpu.
    }
  }
  // The cpu backend: what runs when the optional wasm package is not installed. Silently: production mode only
  // turns off tfjs's console warnings (its "install our node backend" banner on the first tensor), no computation.
  tf.env().set('PROD', true);
  await tf.setBackend('cpu');
  await tf.ready();
  active = 'cpu';
  return { tf, backend: active };
}
