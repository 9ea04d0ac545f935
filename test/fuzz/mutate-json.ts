import fc from 'fast-check';

/**
 * Mutations of parsed JSON documents (flow files, model.json): any value of the tree, objects and arrays
 * included, replaced by a hostile one. Shared by the flow and model-loader fuzz targets.
 */

/** Every path to a value in a JSON tree (objects and arrays included; [] is the root). */
export function jsonPaths(v: unknown, at: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(at);
  if (Array.isArray(v)) v.forEach((x, i) => jsonPaths(x, [...at, i], out));
  else if (v && typeof v === 'object') for (const k of Object.keys(v)) jsonPaths((v as Record<string, unknown>)[k], [...at, k], out);
  return out;
}

/** Sets the value at `at` (in place; the root is replaced by returning `value`). */
export function setJsonAt(root: unknown, at: (string | number)[], value: unknown): unknown {
  if (at.length === 0) return value;
  let cur = root as Record<string | number, unknown>;
  for (const k of at.slice(0, -1)) cur = cur[k] as Record<string | number, unknown>;
  // defineProperty: a "__proto__" key is set as data, as JSON.parse would.
  Object.defineProperty(cur, at[at.length - 1], { value, enumerable: true, writable: true, configurable: true });
  return root;
}

/** Applies [pick, value] mutations: pick chooses among the paths present at that moment (modulo their count). */
export function mutateJson(doc: unknown, mutations: readonly (readonly [number, unknown])[]): unknown {
  let m = doc;
  for (const [pick, value] of mutations) {
    const all = jsonPaths(m);
    m = setJsonAt(m, all[pick % all.length], value);
  }
  return m;
}

/** Replacement values: the given strings, doubles (NaN, -0, huge), edge constants and arbitrary small JSON. */
export function jsonReplacement(text: fc.Arbitrary<string>): fc.Arbitrary<unknown> {
  return fc.oneof(text, fc.double(), fc.constantFrom(null, true, {}, [], -0, 1e308, -1, 0, 2 ** 31, 1.5), fc.jsonValue({ maxDepth: 2 }));
}
