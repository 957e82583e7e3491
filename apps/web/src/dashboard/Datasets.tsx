// The datasets panel: what the coordinator holds (schema, examples, clients, size), an upload form
// whose file inputs and options follow the chosen format's importer, and deletion.

import { useCallback, useEffect, useState } from 'react';
import { DATASET_IMPORTERS } from '@flotilla/data';
import { describeSchema, type DatasetRecord } from '@flotilla/protocol';
import { ApiError } from './api.ts';
import { deleteDataset, listDatasets, uploadDataset } from './datasetsApi.ts';

/** The options each format reads (besides `schemaFrom`, which every format takes), with a hint each. */
const FORMAT_OPTIONS: Record<string, readonly (readonly [string, string])[]> = {
  csv: [['label', 'label column'], ['clientColumn', 'client column (optional)'], ['task', 'classification | regression'], ['metric', 'mse | mae (regression)'], ['categorical', 'categorical columns, comma-separated'], ['ignore', 'ignored columns, comma-separated']],
  idx: [['classes', 'class names, comma-separated (default 0..k-1)']],
  images: [['height', 'resize to height (default 32)'], ['width', 'resize to width (default 32)'], ['channels', '1 | 3 (default 3)'], ['clientLevel', 'true: paths are client/class/file'], ['strict', 'true: refuse other sizes']],
  text: [['level', 'char | token'], ['sequenceLength', 'symbols of context (default 80)'], ['maxVocabulary', 'vocabulary size (default 100)'], ['clientId', 'client this corpus belongs to']],
};

const POLL_MS = 5000;
const size = (n: number) => (n < 1024 ? `${n} B` : n < 1024 ** 2 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1024 ** 2).toFixed(1)} MiB`);
const say = (err: unknown) => (err instanceof ApiError ? `${err.code}: ${err.message}` : String(err));

/** Loads the datasets (and reloads them on demand) for the panel and the create form. */
export function useDatasets(session: number | null): { datasets: DatasetRecord[]; reload: () => Promise<void> } {
  const [datasets, setDatasets] = useState<DatasetRecord[]>([]);
  const reload = useCallback(async () => setDatasets(await listDatasets()), []);
  useEffect(() => {
    // Signed out: nothing to load. A refused session is reported by the task views.
    if (session === null) return;
    const load = () => void reload().catch(() => {});
    load();
    // Datasets registered from the CLI or another dashboard appear without a reload of the page.
    const timer = setInterval(load, POLL_MS);
    return () => clearInterval(timer);
  }, [reload, session]);
  return { datasets, reload };
}

export function Datasets({ datasets, reload }: { datasets: DatasetRecord[]; reload: () => Promise<void> }) {
  const formats = Object.keys(DATASET_IMPORTERS);
  const [format, setFormat] = useState(formats[0]!);
  const [name, setName] = useState('');
  const [options, setOptions] = useState<Record<string, string>>({});
  const [files, setFiles] = useState<Record<string, File>>({});
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ error: boolean; text: string } | null>(null);
  // A new key after an upload gives fresh (empty) file inputs.
  const [formKey, setFormKey] = useState(0);
  const roles: readonly string[] = (DATASET_IMPORTERS as Record<string, { files: readonly string[] }>)[format]?.files ?? [];

  const upload = async () => {
    const form = new FormData();
    form.append('format', format);
    if (name.trim()) form.append('name', name.trim());
    for (const [key, value] of Object.entries(options)) if (value.trim()) form.append(key, value.trim());
    for (const role of roles) form.append(role, files[role]!, files[role]!.name);
    setBusy(true);
    setMessage({ error: false, text: 'uploading and importing…' });
    try {
      const { record, created } = await uploadDataset(form);
      setMessage({ error: false, text: `${created ? 'registered' : 'already registered'} ${record.name} (${record.id}): ${record.count} examples` });
      setFiles({});
      setFormKey((k) => k + 1);
      await reload();
    } catch (err) {
      setMessage({ error: true, text: say(err) });
    } finally {
      setBusy(false);
    }
  };
  const remove = async (id: string) => {
    try {
      await deleteDataset(id);
      setMessage(null);
      await reload();
    } catch (err) {
      setMessage({ error: true, text: say(err) });
    }
  };

  return (
    <section className="panel" data-testid="dashboard.datasets">
      <h2>Datasets</h2>
      <table data-testid="dashboard.datasets.table">
        <thead><tr><th>name</th><th>id</th><th>examples</th><th>clients</th><th>schema</th><th>size</th><th /></tr></thead>
        <tbody>
          {datasets.map((d) => (
            <tr key={d.id} data-testid="dashboard.datasets.row" data-dataset-id={d.id}>
              <td data-testid="dashboard.datasets.name">{d.name}</td>
              <td><code>{d.id.slice(0, 15)}</code></td>
              <td data-testid="dashboard.datasets.count">{d.count}</td>
              <td data-testid="dashboard.datasets.clients">{d.numClients ?? '—'}</td>
              <td data-testid="dashboard.datasets.schema">{describeSchema(d.schema)}</td>
              <td>{d.builtin ? 'built in' : size(d.bytes)}</td>
              <td>{d.builtin ? null : <button type="button" onClick={() => void remove(d.id)} data-testid="dashboard.datasets.delete">Delete</button>}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <form key={formKey} className="create" onSubmit={(e) => { e.preventDefault(); void upload(); }}>
        <label className="field"><span>format</span>
          <select value={format} onChange={(e) => { setFormat(e.target.value); setFiles({}); setOptions({}); }} data-testid="dashboard.datasets.format">
            {formats.map((f) => <option key={f} value={f}>{f}</option>)}
          </select>
        </label>
        <label className="field"><span>name</span><input value={name} maxLength={200} onChange={(e) => setName(e.target.value)} data-testid="dashboard.datasets.uploadName" /></label>
        {roles.map((role) => (
          <label key={role} className="field"><span>{role} file</span>
            <input type="file" onChange={(e) => { const file = e.target.files?.[0]; setFiles((prev) => { const next = { ...prev }; if (file) next[role] = file; else delete next[role]; return next; }); }} data-testid={`dashboard.datasets.file.${role}`} />
          </label>
        ))}
        {(FORMAT_OPTIONS[format] ?? []).map(([key, hint]) => (
          <label key={key} className="field"><span>{key}</span>
            <input placeholder={hint} value={options[key] ?? ''} onChange={(e) => setOptions((prev) => ({ ...prev, [key]: e.target.value }))} data-testid={`dashboard.datasets.option.${key}`} />
          </label>
        ))}
        <label className="field"><span>schema of</span>
          <select value={options.schemaFrom ?? ''} onChange={(e) => setOptions((prev) => ({ ...prev, schemaFrom: e.target.value }))} data-testid="dashboard.datasets.option.schemaFrom">
            <option value="">inferred from the files</option>
            {datasets.filter((d) => !d.builtin).map((d) => <option key={d.id} value={d.id}>{d.name} (a test set for it)</option>)}
          </select>
        </label>
        <button type="submit" disabled={busy || roles.some((r) => files[r] === undefined)} data-testid="dashboard.datasets.upload">Upload</button>
      </form>
      {message ? <p className={message.error ? 'error' : 'ok'} role="status" data-testid="dashboard.datasets.message">{message.text}</p> : null}
    </section>
  );
}
