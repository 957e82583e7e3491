// The operator token a local coordinator keeps in its data directory, read by a fleet pointed at it.

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** Where a coordinator writes the token it generated (mode 0600), as its startup banner says. */
const OPERATOR_TOKEN_FILE = 'operator-token';

/**
 * The token a coordinator keeps under `dataDir`, if it has written one.
 * @example const token = readOperatorToken('.flotilla'); // null when the coordinator was given its token
 */
export function readOperatorToken(dataDir: string): string | null {
  const file = path.join(dataDir, OPERATOR_TOKEN_FILE);
  if (!existsSync(file)) return null;
  const token = readFileSync(file, 'utf8').trim();
  return token.length > 0 ? token : null;
}
