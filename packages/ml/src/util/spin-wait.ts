/**
 * Waiting for the other thread of one computation (boosting's two row shards hand work back and
 * forth about twenty times a tree). Atomics.wait sleeps on a futex, and waking a sleeping thread
 * costs tens of microseconds: on this machine (2 vCPUs, a virtual machine) a wait/notify ping-pong
 * between two threads took 88–93 µs a round trip, against 9 µs when the waiter polls. So a waiter
 * first polls the shared word for up to {@link SPIN_MS}, as OpenMP runtimes (XGBoost's threads)
 * do, and only then sleeps. The gaps it covers are short: the other thread's bookkeeping between
 * two steps of the same tree.
 */
export const SPIN_MS = 1;

/** Block until arr[index] === value: poll for up to `spinMs`, then sleep on the word. */
export function waitForValue(arr: Int32Array, index: number, value: number, spinMs = SPIN_MS): void {
  if (Atomics.load(arr, index) === value) return;
  const end = performance.now() + spinMs;
  while (performance.now() < end) if (Atomics.load(arr, index) === value) return;
  while (Atomics.load(arr, index) !== value) Atomics.wait(arr, index, Atomics.load(arr, index), 100);
}

/** Block until arr[index] !== old and return the new value: poll for up to `spinMs`, then sleep. */
export function waitForChange(arr: Int32Array, index: number, old: number, spinMs = SPIN_MS): number {
  const end = performance.now() + spinMs;
  for (;;) {
    const v = Atomics.load(arr, index);
    if (v !== old) return v;
    if (performance.now() >= end) break;
  }
  Atomics.wait(arr, index, old);
  return Atomics.load(arr, index);
}
