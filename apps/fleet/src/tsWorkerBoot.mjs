// Entry of worker threads whose code is TypeScript: registers tsx's loader in this thread, then
// imports the real module. (Node 20 ignores --import in a worker's execArgv.)
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.flotillaEntry);
