// Chooses between WebCrypto and the pure-JS @noble fallback, probing the runtime once.

/**
 * Where a primitive runs: `webcrypto` (native, AES-NI) or `noble` (pure JS, audited).
 * `auto` prefers WebCrypto when the runtime offers the algorithm.
 */
export type CryptoBackend = 'webcrypto' | 'noble';
export type CryptoBackendChoice = CryptoBackend | 'auto';

/** The WebCrypto subtle interface, absent in insecure browser contexts (plain http pages). */
export function subtleOrNull(): SubtleCrypto | null {
  const c = globalThis.crypto as Crypto | undefined;
  return c?.subtle ?? null;
}

let x25519Probe: Promise<boolean> | null = null;

/**
 * Whether `crypto.subtle` implements X25519 (Node ≥ 20, Chromium ≥ 133, Firefox ≥ 130, Safari ≥ 17).
 * Probed once by generating a key pair; the answer is cached.
 * @example if (!(await webCryptoHasX25519())) console.info('using @noble/curves for X25519');
 */
export function webCryptoHasX25519(): Promise<boolean> {
  x25519Probe ??= (async () => {
    const subtle = subtleOrNull();
    if (!subtle) return false;
    try {
      await subtle.generateKey({ name: 'X25519' }, true, ['deriveBits']);
      return true;
    } catch {
      return false;
    }
  })();
  return x25519Probe;
}

/** Resolves `auto` for AES (GCM and CTR), which every WebCrypto implementation has. */
export function resolveAesBackend(choice: CryptoBackendChoice = 'auto'): CryptoBackend {
  if (choice !== 'auto') return choice;
  return subtleOrNull() ? 'webcrypto' : 'noble';
}

/** Resolves `auto` for X25519. */
export async function resolveX25519Backend(choice: CryptoBackendChoice = 'auto'): Promise<CryptoBackend> {
  if (choice !== 'auto') return choice;
  return (await webCryptoHasX25519()) ? 'webcrypto' : 'noble';
}
