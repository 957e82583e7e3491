// Entry point of `npm run datasets`: see datasetsCli.ts.

import { runDatasetsCli } from './datasetsCli.ts';

process.exitCode = await runDatasetsCli(process.argv.slice(2), process.env, (l) => console.log(l), (l) => console.error(l));
