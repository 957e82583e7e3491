// Personal models of a Node client kept as files under the fleet's state directory, so a client
// that comes back (a restarted fleet, a dropout) keeps its FedPer head, Ditto model and local-only
// baseline: <dir>/personal/<task>/<client>.bin, written whole (temporary file, then rename).

import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { decodePersonalState, encodePersonalState, type PersonalStore } from '@flotilla/client';

const safe = (name: string) => name.replace(/[^A-Za-z0-9._-]/g, '_');

/**
 * The store of one client (`client`: its partition index or data entry's name).
 * @example new FlotillaClient({ ...options, personal: filePersonalStore('.flotilla-fleet', '7') });
 */
export function filePersonalStore(dir: string, client: string): PersonalStore {
  const file = (taskId: string) => path.join(dir, 'personal', safe(taskId), `${safe(client)}.bin`);
  return {
    async load(taskId) {
      try {
        return decodePersonalState(new Uint8Array(await readFile(file(taskId))));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw err;
      }
    },
    async save(taskId, state) {
      const target = file(taskId);
      await mkdir(path.dirname(target), { recursive: true });
      // A crash mid-write leaves the previous state, never a torn one.
      const temporary = `${target}.${process.pid}.tmp`;
      await writeFile(temporary, encodePersonalState(state));
      await rename(temporary, target);
    },
  };
}
