// Worker thread of a Node party's Paillier pool: r^n precomputation and CRT decryption.
import { parentPort } from 'node:worker_threads';
import { servePaillierRequests } from '@flotilla/privacy';

const port = parentPort!;
const serve = servePaillierRequests((reply) => port.postMessage(reply));
port.on('message', serve);
