// The create form's model section: a zoo model, an architecture built from the task's schema (the
// ones that fit its kind of examples), an uploaded topology, or a pretrained upload with its
// weights; which layers to freeze; and where round 0 starts (a pretrained upload, another task).

import { useEffect, useState, type ReactNode } from 'react';
import { SCHEMA_ARCHITECTURE_KINDS } from '@flotilla/protocol';
import { api, ApiError } from './api.ts';

/** A pretrained model stored by `POST /api/models`. */
export interface UploadedModel {
  id: string;
  modelTopology: unknown;
  params: number;
  inputShape: number[];
  outputShape: number[];
  layers: { name: string; params: number; trainable: boolean }[];
}

export interface ModelFormState {
  /** 'mnist-2nn' | 'mnist-cnn' | 'schema:<architecture>' | 'upload' (a topology) | 'pretrained' (an upload with weights). */
  kind: string;
  /** A layer name or a count; empty freezes nothing. */
  freezeUpTo: string;
  /** Round 0 from another task's model (its id, and a version or its latest). */
  fromTask: string;
  fromVersion: string;
  uploadId: string;
  topology: { name: string; modelTopology: unknown } | null;
}

export const INITIAL_MODEL: ModelFormState = { kind: 'mnist-2nn', freezeUpTo: '', fromTask: '', fromVersion: '', uploadId: '', topology: null };

/**
 * The task's `model` and `initialModel` from the form.
 * @example modelConfig({ ...INITIAL_MODEL, kind: 'schema:mlp', freezeUpTo: '1' }, []);
 */
export function modelConfig(m: ModelFormState, uploads: readonly UploadedModel[]): { model: Record<string, unknown>; initialModel?: Record<string, unknown> } {
  const freeze = m.freezeUpTo.trim() === '' ? {} : { freeze: { upTo: /^\d+$/.test(m.freezeUpTo.trim()) ? Number(m.freezeUpTo) : m.freezeUpTo.trim() } };
  const fromTask = m.fromTask.trim()
    ? { initialModel: { from: 'task', taskId: m.fromTask.trim(), ...(m.fromVersion.trim() ? { version: Number(m.fromVersion) } : {}) } }
    : {};
  if (m.kind === 'pretrained') {
    const upload = uploads.find((u) => u.id === m.uploadId);
    if (!upload) throw new Error('upload a pretrained model (model.json + weights.bin) or pick one');
    return { model: { kind: 'tfjs', modelTopology: upload.modelTopology, ...freeze }, initialModel: { from: 'upload', uploadId: upload.id } };
  }
  if (m.kind === 'upload') {
    if (!m.topology) throw new Error('choose a model.json to upload, or a model from the zoo');
    return { model: { kind: 'tfjs', modelTopology: m.topology.modelTopology, ...freeze }, ...fromTask };
  }
  if (m.kind.startsWith('schema:')) return { model: { kind: 'schema', architecture: m.kind.slice('schema:'.length), ...freeze }, ...fromTask };
  return { model: { kind: m.kind, ...freeze }, ...fromTask };
}

const Field = ({ label, children }: { label: string; children: ReactNode }) => <label className="field"><span>{label}</span>{children}</label>;

/**
 * @example <ModelFields value={model} onChange={setModel} uploads={uploads} onUploads={setUploads} schemaKind="tabular" />
 */
export function ModelFields({ value: m, onChange, uploads, onUploads, schemaKind = 'image' }: {
  value: ModelFormState; onChange(next: ModelFormState): void;
  uploads: UploadedModel[]; onUploads(next: UploadedModel[]): void;
  /** The kind of examples the task's schema describes: only architectures that fit it are offered. */
  schemaKind?: 'image' | 'tabular' | 'text';
}) {
  const [files, setFiles] = useState<{ json?: File; weights?: File }>({});
  const [status, setStatus] = useState<{ error: boolean; text: string } | null>(null);
  const set = (key: keyof ModelFormState) => (e: { target: { value: string } }) => onChange({ ...m, [key]: e.target.value });
  const architectures = Object.entries(SCHEMA_ARCHITECTURE_KINDS).filter(([, kinds]) => (kinds as readonly string[]).includes(schemaKind)).map(([name]) => name);
  const upload = uploads.find((u) => u.id === m.uploadId) ?? null;

  useEffect(() => {
    if (m.kind !== 'pretrained') return;
    api<{ uploads: UploadedModel[] }>(null, '/api/models/uploads').then((r) => onUploads(r.uploads), () => onUploads([]));
    // eslint-disable-next-line react-hooks/exhaustive-deps -- listed again only when the pretrained option is chosen
  }, [m.kind]);

  const readTopology = async (file: File | undefined) => {
    if (!file) return onChange({ ...m, topology: null });
    try {
      const json = JSON.parse(await file.text()) as { modelTopology?: unknown };
      if (!json.modelTopology) throw new Error('no modelTopology in this file');
      onChange({ ...m, topology: { name: file.name, modelTopology: json.modelTopology } });
      setStatus(null);
    } catch (err) {
      onChange({ ...m, topology: null });
      setStatus({ error: true, text: `${file.name} is not a TensorFlow.js model.json: ${String(err instanceof Error ? err.message : err)}` });
    }
  };

  const sendUpload = async () => {
    if (!files.json || !files.weights) return setStatus({ error: true, text: 'choose model.json and weights.bin' });
    const form = new FormData();
    form.append('model.json', files.json, 'model.json');
    form.append('weights.bin', files.weights, 'weights.bin');
    setStatus({ error: false, text: 'uploading and checking…' });
    const response = await fetch('/api/models', { method: 'POST', body: form, credentials: 'same-origin', headers: { 'x-flotilla-csrf': '1' } });
    const body = await response.json() as UploadedModel & { code?: string; message?: string };
    if (!response.ok) return setStatus({ error: true, text: new ApiError(response.status, body.code ?? `HTTP_${response.status}`, body.message ?? '').code + `: ${body.message ?? ''}` });
    onUploads([...uploads.filter((u) => u.id !== body.id), body]);
    onChange({ ...m, uploadId: body.id });
    setStatus({ error: false, text: `stored ${body.id.slice(0, 12)}… (${body.params} parameters)` });
  };

  return (
    <>
      <Field label="model">
        <select value={m.kind} onChange={set('kind')} data-testid="dashboard.create.model">
          <option value="mnist-2nn">2NN (McMahan)</option><option value="mnist-cnn">CNN (McMahan)</option>
          {architectures.map((a) => <option key={a} value={`schema:${a}`}>{a} for the task's schema</option>)}
          <option value="upload">upload model.json…</option>
          <option value="pretrained">pretrained (model.json + weights.bin)…</option>
        </select>
      </Field>
      {m.kind === 'upload' ? (
        <Field label="tfjs model.json">
          <input type="file" accept=".json,application/json" onChange={(e) => void readTopology(e.target.files?.[0])} data-testid="dashboard.create.upload" />
          <small className="muted">Topology only: weights start fresh from the task seed; its input and output must fit the task's schema.</small>
        </Field>
      ) : null}
      {m.kind === 'pretrained' ? (
        <>
          <Field label="stored upload">
            <select value={m.uploadId} onChange={set('uploadId')} data-testid="dashboard.create.pretrained">
              <option value="">—</option>
              {uploads.map((u) => <option key={u.id} value={u.id}>{u.id.slice(0, 12)}… [{u.inputShape.join('×')}] → [{u.outputShape.join('×')}], {u.params} params</option>)}
            </select>
          </Field>
          <Field label="or upload">
            <input type="file" accept=".json,application/json" onChange={(e) => setFiles({ ...files, json: e.target.files?.[0] })} data-testid="dashboard.create.pretrained.json" />
            <input type="file" accept=".bin,application/octet-stream" onChange={(e) => setFiles({ ...files, weights: e.target.files?.[0] })} data-testid="dashboard.create.pretrained.weights" />
            <button type="button" onClick={() => void sendUpload()} data-testid="dashboard.create.pretrained.send">upload</button>
          </Field>
        </>
      ) : null}
      <Field label="freeze layers up to">
        {upload ? (
          <select value={m.freezeUpTo} onChange={set('freezeUpTo')} data-testid="dashboard.create.freeze">
            <option value="">nothing (all layers train)</option>
            {upload.layers.map((l) => <option key={l.name} value={l.name}>{l.name} ({l.params} params)</option>)}
          </select>
        ) : <input type="text" placeholder="layer name or count" value={m.freezeUpTo} onChange={set('freezeUpTo')} data-testid="dashboard.create.freeze" />}
      </Field>
      {m.kind !== 'pretrained' ? (
        <Field label="start from task (id, version)">
          <input type="text" placeholder="task id" value={m.fromTask} onChange={set('fromTask')} data-testid="dashboard.create.fromTask" />
          <input type="number" step="1" placeholder="latest" value={m.fromVersion} onChange={set('fromVersion')} data-testid="dashboard.create.fromVersion" />
        </Field>
      ) : null}
      {status ? <small className={status.error ? 'error' : 'muted'} role="status" data-testid="dashboard.create.model.status">{status.text}</small> : null}
    </>
  );
}
