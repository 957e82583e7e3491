export { buildApp } from './app.ts';
export type { AppOptions } from './app.ts';
export { DEFAULT_TASK_CONFIG, resolveTaskConfig } from './engine/taskConfig.ts';
export type { TaskConfigInput } from './engine/taskConfig.ts';
export { SqliteStore } from './store/SqliteStore.ts';
export type { Store, TaskRecord, RoundRecord, Checkpoint, ClientRecord } from './store/Store.ts';
export { parseCoordinatorArgs, startCoordinator } from './start.ts';
export type { CoordinatorSettings } from './start.ts';
