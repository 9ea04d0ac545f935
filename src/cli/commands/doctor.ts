import { trialWorkerPath } from '../../automl/pool.js';
import { type MlpBackendName, loadTensorflow } from '../../models/mlp/backend.js';
import { nativeKernels } from '../../models/tree/native.js';
import { parseCommandArgs } from '../../util/args.js';
import { isTabpilotError } from '../../util/errors.js';
import { availableCores } from '../../util/pool.js';
import { tabpilotVersion } from '../../util/version.js';

export const help = `Usage: tabpilot doctor

Prints what this installation runs on: the tabpilot version, Node, whether the native C++ kernels are loaded
(else the TypeScript twins run: same results, slower; build them with "npm run build:native"), the TensorFlow.js
backend MLP training uses, and the worker threads Autopilot starts by default. Same as "tabpilot --version --verbose".`;

/** What to install for faster MLP training, after each backend: both faster backends are optional peers. */
const BACKEND_HINT: Readonly<Record<MlpBackendName, string>> = {
  tensorflow: '',
  wasm: ' (install @tensorflow/tfjs-node for native TensorFlow)',
  cpu: ' (npm install @tensorflow/tfjs-backend-wasm for faster MLP training)',
};

/** The lines `tabpilot doctor` prints (loads TensorFlow.js to report the MLP backend). */
export async function doctorReport(): Promise<string[]> {
  const native = nativeKernels() !== null;
  const { backend } = await loadTensorflow();
  let workers = `${availableCores()} (default Autopilot instances)`;
  try {
    trialWorkerPath();
  } catch (e) {
    if (!isTabpilotError(e) || e.code !== 'WORKER_UNAVAILABLE') throw e;
    workers = 'unavailable (worker script not built: run "npm run build"); trials run in this thread';
  }
  return [
    `tabpilot ${tabpilotVersion()}`,
    `node ${process.version} (${process.platform}-${process.arch})`,
    `native kernels: ${native ? 'on' : process.env.TABPILOT_NO_NATIVE === '1' ? 'off (TABPILOT_NO_NATIVE=1)' : 'off (not built; TypeScript kernels run: npm run build:native)'}`,
    `mlp backend: ${backend}${BACKEND_HINT[backend]}`,
    `worker threads: ${workers}`,
  ];
}

export async function run(argv: string[]): Promise<number> {
  parseCommandArgs(argv, {}, 'doctor');
  for (const line of await doctorReport()) console.log(line);
  return 0;
}
