// The Node-only parts of the client runtime (file system), kept out of the browser bundle.

export { fileResidualStore } from './node/fileResidualStore.ts';
