// A nested worker of the party worker's Paillier pool: r^n precomputation and CRT decryption.
import { servePaillierRequests } from '@flotilla/privacy';
import type { PaillierRequest } from '@flotilla/privacy';

const serve = servePaillierRequests((reply) => self.postMessage(reply));
self.onmessage = (e: MessageEvent<PaillierRequest>) => serve(e.data);
