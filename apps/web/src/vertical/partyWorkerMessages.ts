// What the vertical party worker posts to its page.
import type { VerticalReport } from '@flotilla/vertical';
import type { PartyStatus } from './runParty.ts';
import type { TableSummary } from './ownTable.ts';
import type { PaillierUse } from './paillierPool.ts';

/** One message from the party worker: its phase, one of its reports, the tfjs backend it trains on, its own table's shape, or its Paillier workers. */
export type PartyWorkerMessage =
  | { type: 'status'; status: PartyStatus }
  | { type: 'report'; report: VerticalReport }
  | { type: 'backend'; backend: string }
  | { type: 'table'; table: TableSummary }
  | { type: 'paillier'; paillier: PaillierUse };
