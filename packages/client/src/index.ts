export { FlotillaClient } from './FlotillaClient.ts';
export { TfjsTrainer } from './TfjsTrainer.ts';
export { WeightsCache } from './WeightsCache.ts';
export type { GlobalWeights } from './WeightsCache.ts';
export { memoryIdentity, storageIdentity } from './identity.ts';
export type {
  WebSocketLike, WebSocketFactory, LocalData, TrainJob, TrainOutcome, Trainer, Identity, IdentityStore, ClientStatus,
  ClientEvent, ClientOptions,
} from './types.ts';
