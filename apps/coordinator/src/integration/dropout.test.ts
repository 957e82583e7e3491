// A selected client that dies mid-round, or goes silent, does not stall the round: the round
// closes when everyone else has settled (or at its deadline) and the dropout is recorded.

import { afterEach, describe, expect, it } from 'vitest';
import type { FlotillaClient } from '@flotilla/client';
import type { PartitionSpec } from '@flotilla/protocol';
import { RawClient, api, createTask, eventually, smallTask, startMnistClients, startTestCoordinator, type TestCoordinator } from '../testing/harness.ts';

interface RoundView { round: number; outcome: string; reported: number; dropped: number; startedAt: number; endedAt: number }
interface RoundDetail extends RoundView { clients: { clientId: string; outcome: string }[] }

const partition: PartitionSpec = { kind: 'iid', numClients: 4, seed: 5, examplesPerClient: 100 };

describe('dropouts', () => {
  let coordinator: TestCoordinator | undefined;
  let clients: FlotillaClient[] = [];
  const raws: RawClient[] = [];

  afterEach(async () => {
    for (const c of clients) c.stop();
    for (const r of raws) r.close();
    await coordinator?.close();
  });

  async function setup(deadlineMs: number): Promise<{ url: string; taskId: string; victim: RawClient; victimId: string }> {
    coordinator = await startTestCoordinator();
    const { url } = coordinator;
    const taskId = await createTask(url, smallTask({
      data: { partition }, fit: { minAvailableClients: 5 }, stop: { maxRounds: 1, minReports: 2, roundDeadlineMs: deadlineMs },
    }));
    const victim = new RawClient(url);
    raws.push(victim);
    const { clientId: victimId } = await victim.hello({ taskId });
    clients = await startMnistClients(url, taskId, partition, [0, 1, 2, 3]);
    return { url, taskId, victim, victimId };
  }

  it('records a client whose connection dies mid-round as disconnected, and the round commits without it', async () => {
    const { url, taskId, victim, victimId } = await setup(60_000);
    await victim.next('round.plan');
    victim.socket.terminate();

    const round = await eventually(async () => {
      const { status, body } = await api<RoundDetail>(url, `/api/tasks/${taskId}/rounds/1`);
      return status === 200 ? body : undefined;
    }, 60_000, 'round 1');
    expect(round).toMatchObject({ outcome: 'committed', reported: 4, dropped: 1 });
    expect(round.clients.find((c) => c.clientId === victimId)?.outcome).toBe('disconnected');
    // Far from the 60 s deadline: the round closed as soon as every selected client had settled.
    expect(round.endedAt - round.startedAt).toBeLessThan(30_000);
    const { body } = await api<{ clients: { id: string; dropouts: number; connected: boolean }[] }>(url, '/api/clients');
    expect(body.clients.find((c) => c.id === victimId)).toMatchObject({ dropouts: 1, connected: false });
  });

  it('closes the round at its deadline when a selected client goes silent, recording the miss', async () => {
    const { url, taskId, victim, victimId } = await setup(4_000);
    await victim.next('round.plan');

    const round = await eventually(async () => {
      const { status, body } = await api<RoundDetail>(url, `/api/tasks/${taskId}/rounds/1`);
      return status === 200 ? body : undefined;
    }, 60_000, 'round 1');
    expect(round).toMatchObject({ outcome: 'committed', reported: 4, dropped: 1 });
    expect(round.clients.find((c) => c.clientId === victimId)?.outcome).toBe('deadline');
    expect(round.endedAt - round.startedAt).toBeGreaterThanOrEqual(3_900);
    const end = await victim.next<{ outcome: string }>('round.end');
    expect(end.outcome).toBe('committed');
  });
});
