// A browser client's personal models (FedPer / FedRep head, Ditto's model, the local-only
// baseline) in IndexedDB, per task and per page identity, so a reload keeps them. They stay on the device.

import { decodePersonalState, encodePersonalState, type PersonalStore } from '../personal/personalState.ts';
import { request } from './drawnDigits.ts';

const DB_NAME = 'flotilla-personal';
const STORE = 'states';

/**
 * The personal store of one page identity (`scope`, e.g. its identity key) on this origin.
 * @example new FlotillaClient({ ...options, personal: await indexedDbPersonalStore('flotilla.identity.t.3') });
 */
export async function indexedDbPersonalStore(scope: string, factory: IDBFactory = indexedDB): Promise<PersonalStore> {
  const open = factory.open(DB_NAME, 1);
  open.onupgradeneeded = () => {
    if (!open.result.objectStoreNames.contains(STORE)) open.result.createObjectStore(STORE);
  };
  const db = await request(open);
  const key = (taskId: string) => `${scope}\u0000${taskId}`;
  return {
    async load(taskId) {
      const bytes = await request(db.transaction(STORE, 'readonly').objectStore(STORE).get(key(taskId))) as Uint8Array | undefined;
      return bytes ? decodePersonalState(bytes) : null;
    },
    async save(taskId, state) {
      await request(db.transaction(STORE, 'readwrite').objectStore(STORE).put(encodePersonalState(state), key(taskId)));
    },
  };
}
