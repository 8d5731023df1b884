/**
 * 32-bit FNV-1a of a string's UTF-16 code units: fast, allocation-free and the same in every
 * process, so a customer lands in the same canary bucket on every server.
 */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** The customer's bucket in [0, 10000): canary percentages have a resolution of 0.01. */
export function canaryBucket(customerId: string): number {
  return fnv1a(customerId) % 10_000;
}
