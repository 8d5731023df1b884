import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/** What a key may do: `admin` can do everything `predict` can. */
export type Role = 'predict' | 'admin';

export const ROLES: readonly Role[] = ['predict', 'admin'];

const RANK: Readonly<Record<Role, number>> = { predict: 1, admin: 2 };

/** Whether a key of role `held` may call a route that needs `needed`. */
export function roleSatisfies(held: Role, needed: Role): boolean {
  return RANK[held] >= RANK[needed];
}

/**
 * A key reads `ck_<id>_<secret>`. The id (lower-case letters and digits) is the row's primary
 * key, so a key is looked up, not searched for; only the scrypt hash of the whole key is stored.
 */
export const API_KEY_PATTERN = /^ck_([a-z0-9]{8,32})_([A-Za-z0-9_-]{16,128})$/;

/** The format, in words, for error messages (never echo the key itself). */
export const API_KEY_FORMAT =
  'ck_<id>_<secret>: id of 8-32 lower-case letters or digits, secret of 16-128 letters, digits, _ or -';

/** The id inside a well-formed key, or null. */
export function apiKeyId(key: string): string | null {
  const m = API_KEY_PATTERN.exec(key);
  return m ? m[1] : null;
}

/** A fresh key: a 16-hex-digit id and a 256-bit secret. */
export function generateApiKey(): { id: string; key: string } {
  const id = randomBytes(8).toString('hex');
  return { id, key: `ck_${id}_${randomBytes(32).toString('base64url')}` };
}

// scrypt's cost (N=2^14, r=8: 16 MiB, tens of milliseconds) is paid once per key and process,
// never per request: verified keys are cached (see Authenticator).
const SCRYPT = { N: 1 << 14, r: 8, p: 1, maxmem: 64 * 1024 * 1024 } as const;
const HASH_BYTES = 32;

function scryptAsync(key: string, salt: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(key, salt, HASH_BYTES, SCRYPT, (err, out) => (err ? reject(err) : resolve(out))),
  );
}

/** Salt and hash a key for storage (hex strings). */
export async function hashApiKey(key: string): Promise<{ salt: string; hash: string }> {
  const salt = randomBytes(16);
  return { salt: salt.toString('hex'), hash: (await scryptAsync(key, salt)).toString('hex') };
}

// Verifications run at most two at a time: a flood of wrong secrets for a known id (each one a
// fresh scrypt) then queues here instead of filling libuv's thread pool, which file and DNS work
// share; requests with cached keys never wait on it.
const MAX_CONCURRENT_VERIFICATIONS = 2;
let running = 0;
const waiting: (() => void)[] = [];

/** Whether `key` matches a stored salt and hash, compared in constant time. */
export async function verifyApiKey(key: string, salt: string, hash: string): Promise<boolean> {
  // A finishing verification hands its slot straight to the next in line.
  if (running < MAX_CONCURRENT_VERIFICATIONS) running++;
  else await new Promise<void>((resolve) => waiting.push(resolve));
  try {
    const expected = Buffer.from(hash, 'hex');
    const actual = await scryptAsync(key, Buffer.from(salt, 'hex'));
    return expected.length === actual.length && timingSafeEqual(expected, actual);
  } finally {
    const next = waiting.shift();
    if (next) next();
    else running--;
  }
}

/** A fast, one-way digest of a key: the verified-key cache is keyed by it, not by the key. */
export function keyDigest(key: string): string {
  return createHash('sha256').update(key).digest('base64url');
}
