/**
 * Reuse of large per-row Float64Arrays across fits of the same size in one thread. An Autopilot worker runs trial
 * after trial on the same dataset, each allocating the same few data-sized arrays (40 MB each at 5M rows); a new
 * trial would otherwise allocate its arrays while the previous trial's still wait for garbage collection, so a
 * worker briefly held two sets. Returned arrays are held only weakly: a collection still frees them, and an array
 * is taken out of the pool before use, so two fits running at once never share one.
 */
const pool = new Map<number, WeakRef<Float64Array>[]>();

/** A zero-filled Float64Array of `length`: a returned one when still alive, else a new one. */
export function takeFloat64(length: number): Float64Array {
  const list = pool.get(length);
  while (list !== undefined && list.length > 0) {
    const buffer = list.pop()!.deref();
    if (list.length === 0) pool.delete(length);
    if (buffer !== undefined) return buffer.fill(0);
  }
  return new Float64Array(length);
}

/** Hands arrays back for reuse; the caller must not touch them afterwards. */
export function giveBackFloat64(...buffers: Float64Array[]): void {
  for (const b of buffers) {
    // Only whole arrays: a view of a larger buffer would keep (and be taken as) more than its length.
    if (b.byteOffset !== 0 || b.byteLength !== b.buffer.byteLength || b.buffer instanceof SharedArrayBuffer) continue;
    let list = pool.get(b.length);
    if (list === undefined) pool.set(b.length, (list = []));
    list.push(new WeakRef(b));
  }
}
