// Worker thread of the Paillier pool tests (a party's real entry lives with its app, e.g. apps/fleet).
import { parentPort } from 'node:worker_threads';
import { servePaillierRequests } from '../PaillierWorkerPool.ts';

const port = parentPort!;
const serve = servePaillierRequests((reply) => port.postMessage(reply));
port.on('message', serve);
