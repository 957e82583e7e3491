// Identity stores: where a client keeps the id and resume token the coordinator gave it.

import type { Identity, IdentityStore } from './types.ts';

/** Keeps the identity for the life of the process (Node clients, tests). */
export function memoryIdentity(initial: Identity | null = null): IdentityStore {
  let identity = initial;
  return { load: () => identity, save: (next) => (identity = next) };
}

/** Keeps the identity in a Web Storage area so that a reload rejoins as the same client. */
export function storageIdentity(storage: Pick<Storage, 'getItem' | 'setItem'>, key = 'flotilla.identity'): IdentityStore {
  return {
    load() {
      try {
        const parsed = JSON.parse(storage.getItem(key) ?? 'null') as Identity | null;
        return parsed && typeof parsed.clientId === 'string' && typeof parsed.resumeToken === 'string' ? parsed : null;
      } catch {
        return null;
      }
    },
    save: (identity) => storage.setItem(key, JSON.stringify(identity)),
  };
}
