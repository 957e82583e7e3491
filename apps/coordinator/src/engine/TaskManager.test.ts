// Tasks stored before a configuration check existed (client-level DP with a robust strategy) do
// not run and do not stop the coordinator from starting: they fail with a coded reason.

import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCodes, FlotillaError } from '@flotilla/protocol';
import { startTestCoordinator, smallTask, type TestCoordinator } from '../testing/harness.ts';

describe('TaskManager with a stored task its strategy refuses', () => {
  let coordinator: TestCoordinator | undefined;

  afterEach(async () => {
    await coordinator?.close();
    coordinator = undefined;
  });

  it('marks a running DP + Krum task failed on resume, and refuses to start a created one with FLT_INVALID_TASK', async () => {
    coordinator = await startTestCoordinator();
    const { tasks, store } = coordinator.app.coordinator;
    const valid = await tasks.create(smallTask({ privacy: { differentialPrivacy: { enabled: true } } }));
    const checkpoint = store.latestCheckpoint(valid.id)!;
    const legacy = (id: string, state: 'running' | 'created') => {
      store.createTask({ ...valid, id, state, config: { ...valid.config, strategy: { name: 'krum', byzantine: 0 } } }, { ...checkpoint, taskId: id });
    };
    legacy('legacy-running', 'running');
    legacy('legacy-created', 'created');

    expect(await tasks.resumeRunning()).toEqual([]);
    expect(store.getTask('legacy-running')).toMatchObject({ state: 'failed', stopReason: expect.stringMatching(/cannot run: .*krum combines individual updates/) });

    const refusal = await tasks.control('legacy-created', 'start').catch((err: unknown) => err);
    expect(refusal).toBeInstanceOf(FlotillaError);
    expect((refusal as FlotillaError).code).toBe(ErrorCodes.INVALID_TASK);
    expect(store.getTask('legacy-created')!.state).toBe('created');
  });
});
