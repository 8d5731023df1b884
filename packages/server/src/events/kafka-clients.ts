/** Small helpers around @platformatic/kafka clients, shared by the producer and consumer sides. */

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Close a client without waiting forever on a broker that is gone. */
export const closeQuietly = (close: () => Promise<void>) =>
  Promise.race([close().catch(() => {}), sleep(5000)]);
/** `close(true)`: do not wait for in-flight requests (the promise overload takes no `force`). */
export const forceClose = (c: { close(force: boolean, callback: (error?: Error | null) => void): void }) =>
  new Promise<void>((resolve, reject) => c.close(true, (err) => (err ? reject(err) : resolve())));
