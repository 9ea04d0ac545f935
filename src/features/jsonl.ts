/** JSON Lines records for the Feature Store: the one reader lives in src/io. */
export { parseJsonLines, readJsonLines } from '../io/jsonl.js';
