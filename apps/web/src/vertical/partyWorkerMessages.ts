// What the vertical party worker posts to its page.
import type { VerticalReport } from '@flotilla/vertical';
import type { PartyStatus } from './runParty.ts';

/** One message from the party worker: its phase, one of its reports, or the tfjs backend it trains on. */
export type PartyWorkerMessage =
  | { type: 'status'; status: PartyStatus }
  | { type: 'report'; report: VerticalReport }
  | { type: 'backend'; backend: string };
