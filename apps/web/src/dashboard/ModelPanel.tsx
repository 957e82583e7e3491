// The global model: download in TensorFlow.js format (model.json + weights.bin) and the round it
// came from. The files need the operator token, so they are fetched and handed over as blobs.

import { useState } from 'react';
import { downloadWithToken, type RoundSummary, type TaskView } from './api.ts';

export function ModelPanel({ task, rounds, token }: { task: TaskView; rounds: RoundSummary[]; token: string | null }) {
  const [error, setError] = useState<string | null>(null);
  const version = task.modelVersion;
  const from = rounds.filter((r) => r.outcome === 'committed' && r.modelVersion === version).at(-1)?.round ?? null;
  const base = `/api/tasks/${task.id}/models/${version}`;
  const download = async () => {
    setError(null);
    try {
      // model.json names weights.bin beside it: save both into the same folder, then tf.loadLayersModel.
      await downloadWithToken(token, `${base}/model.json`, 'model.json');
      await downloadWithToken(token, `${base}/weights.bin`, 'weights.bin');
    } catch (err) {
      setError(String(err instanceof Error ? err.message : err));
    }
  };
  return (
    <section className="panel" data-testid="dashboard.model">
      <h2>Global model</h2>
      <p>
        version <strong data-testid="dashboard.model.version">{version}</strong>,{' '}
        {version === 0 ? 'the initial weights' : <>from round <strong data-testid="dashboard.model.round">{from ?? '?'}</strong></>}
      </p>
      <button type="button" onClick={() => void download()} data-testid="dashboard.model.download">Download (TensorFlow.js)</button>
      <p className="muted small">Or load it directly: <code>tf.loadLayersModel('{base}/model.json', {'{'} requestInit: {'{'} headers: {'{'} authorization: 'Bearer …' {'}'} {'}'} {'}'})</code></p>
      {error ? <p className="error">{error}</p> : null}
    </section>
  );
}
