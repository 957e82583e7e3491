// The form that creates a task: data and partition, model (zoo or an uploaded tfjs model.json),
// strategy and its parameters, C, E, B, learning rate, rounds, deadline, min reports, target, privacy,
// and how updates travel, asynchronous rounds, device-aware work, personal models and contribution.

import { useState, type ReactNode } from 'react';
import type { DatasetRecord } from '@flotilla/protocol';
import { ApiError } from './api.ts';
import { DataFields, INITIAL_DATA, dataConfig } from './DataFields.tsx';
import { INITIAL_PRIVACY, PrivacyFields, privacyConfig, type AccountingShape } from './PrivacyFields.tsx';
import { INITIAL_MODEL, ModelFields, modelConfig, type UploadedModel } from './ModelFields.tsx';
import { INITIAL_STRATEGY, StrategyFields, strategyConfig } from './StrategyFields.tsx';
import { CommunicationFields, INITIAL_COMMUNICATION, communicationConfig } from './CommunicationFields.tsx';
import { AsynchronousFields, INITIAL_ASYNCHRONOUS, asynchronousConfig } from './AsynchronousFields.tsx';
import { INITIAL_WORK, WorkFields, workConfig } from './WorkFields.tsx';
import { INITIAL_PERSONALIZATION, PersonalizationFields, personalizationConfig } from './PersonalizationFields.tsx';
import { ContributionFields, INITIAL_CONTRIBUTION, contributionConfig } from './ContributionFields.tsx';

const Field = ({ label, children }: { label: string; children: ReactNode }) => <label className="field"><span>{label}</span>{children}</label>;

export function CreateTaskForm({ onCreate, token, datasets = [] }: { onCreate(config: unknown, start: boolean): Promise<unknown>; token: string | null; datasets?: DatasetRecord[] }) {
  const [data, setData] = useState(INITIAL_DATA);
  const [f, setF] = useState({
    name: 'MNIST FedAvg', partition: 'iid', clients: '10', alpha: '0.5', examples: '', fraction: '0.5', minClients: '2', epochs: '1',
    batch: '10', lr: '0.05', rounds: '20', deadline: '60', minReports: '1', target: '0.97', testLimit: '10000', baseline: true, start: true,
  });
  const [privacy, setPrivacy] = useState(INITIAL_PRIVACY);
  const [strategy, setStrategy] = useState(INITIAL_STRATEGY);
  const [modelForm, setModelForm] = useState(INITIAL_MODEL);
  const [communication, setCommunication] = useState(INITIAL_COMMUNICATION);
  const [asynchronous, setAsynchronous] = useState(INITIAL_ASYNCHRONOUS);
  const [work, setWork] = useState(INITIAL_WORK);
  const [personalization, setPersonalization] = useState(INITIAL_PERSONALIZATION);
  const [contribution, setContribution] = useState(INITIAL_CONTRIBUTION);
  const [uploads, setUploads] = useState<UploadedModel[]>([]);
  const [message, setMessage] = useState<{ error: boolean; text: string } | null>(null);
  const set = (key: keyof typeof f) => (e: { target: { value: string; checked?: boolean; type?: string } }) =>
    setF((prev) => ({ ...prev, [key]: e.target.type === 'checkbox' ? Boolean(e.target.checked) : e.target.value }));
  const input = (key: keyof typeof f, type = 'number', step = 'any') => (
    <input type={type} step={step} value={String(f[key])} onChange={set(key)} data-testid={`dashboard.create.${key}`} />
  );

  const config = () => {
    const n = Number;
    const natural = f.partition === 'natural';
    const clients = natural ? datasets.find((d) => d.id === data.dataset)?.numClients ?? n(f.clients) : n(f.clients);
    const partition = natural ? { kind: 'natural', seed: 1 } : {
      kind: f.partition, numClients: clients, seed: 1,
      ...(f.partition === 'dirichlet' ? { alpha: n(f.alpha) } : {}),
      ...(f.examples && f.partition !== 'shards' ? { examplesPerClient: n(f.examples) } : {}),
    };
    const chosen = strategyConfig(strategy);
    // Sections left at "as before" are left out, so such a task is the one this form always made.
    const fitWork = workConfig(work);
    const sections = {
      communication: communicationConfig(communication), asynchronous: asynchronousConfig(asynchronous), personalization: personalizationConfig(personalization),
      contribution: contributionConfig(contribution),
    };
    return {
      name: f.name, ...modelConfig(modelForm, uploads),
      data: { ...dataConfig(data), partition, testLimit: n(f.testLimit) },
      strategy: chosen.strategy,
      fit: {
        fractionFit: n(f.fraction), minFitClients: Math.min(n(f.minClients), clients), minAvailableClients: Math.min(n(f.minClients), clients),
        epochs: n(f.epochs), batchSize: n(f.batch), learningRate: n(f.lr), proximalMu: chosen.proximalMu, ...(fitWork ? { work: fitWork } : {}),
      },
      stop: { maxRounds: n(f.rounds), roundDeadlineMs: Math.round(n(f.deadline) * 1000), minReports: n(f.minReports), targetAccuracy: n(f.target) > 0 ? n(f.target) : null },
      baseline: { enabled: f.baseline },
      privacy: privacyConfig(privacy),
      ...Object.fromEntries(Object.entries(sections).filter(([, section]) => section !== undefined)),
    };
  };

  // Client-level DP samples a fraction C of the clients each round; DP-SGD samples B of a client's
  // n examples for E·⌈n/B⌉ steps a round (counted as if the client joined every round).
  const accountingShape = (): AccountingShape => {
    if (privacy.dp !== 'sample') return { sampleRate: Math.min(1, Number(f.fraction)), rounds: Number(f.rounds) };
    const examples = Number(f.examples) || Math.floor(60_000 / Math.max(1, Number(f.clients)));
    const batch = Math.min(Number(f.batch), examples);
    return { sampleRate: batch / examples, rounds: Number(f.rounds) * Number(f.epochs) * Math.ceil(examples / batch) };
  };

  const submit = async () => {
    try {
      const task = await onCreate(config(), f.start) as { id: string; name: string };
      setMessage({ error: false, text: `created ${task.name}` });
    } catch (err) {
      setMessage({ error: true, text: err instanceof ApiError ? `${err.code}: ${err.message}` : String(err instanceof Error ? err.message : err) });
    }
  };

  return (
    <section className="panel" data-testid="dashboard.create">
      <h2>New task</h2>
      <form className="create" onSubmit={(e) => { e.preventDefault(); void submit(); }}>
        <Field label="name">{input('name', 'text')}</Field>
        <DataFields value={data} onChange={setData} datasets={datasets} />
        <Field label="partition">
          <select value={f.partition} onChange={set('partition')} data-testid="dashboard.create.partition">
            <option value="iid">IID</option><option value="shards">shards (2 per client)</option><option value="dirichlet">Dirichlet</option>
            <option value="natural">natural (one client per client id)</option>
          </select>
        </Field>
        {f.partition === 'dirichlet' ? <Field label="α">{input('alpha')}</Field> : null}
        <Field label="clients K">{input('clients', 'number', '1')}</Field>
        <Field label="examples / client">{input('examples', 'number', '1')}</Field>
        <ModelFields value={modelForm} onChange={setModelForm} uploads={uploads} onUploads={setUploads} />
        <StrategyFields value={strategy} onChange={setStrategy} />
        <Field label="fraction C">{input('fraction')}</Field>
        <Field label="min clients">{input('minClients', 'number', '1')}</Field>
        <Field label="local epochs E">{input('epochs', 'number', '1')}</Field>
        <Field label="batch B">{input('batch', 'number', '1')}</Field>
        <Field label="learning rate">{input('lr')}</Field>
        <Field label="rounds">{input('rounds', 'number', '1')}</Field>
        <Field label="deadline (s)">{input('deadline')}</Field>
        <Field label="min reports">{input('minReports', 'number', '1')}</Field>
        <Field label="target accuracy (0 = none)">{input('target')}</Field>
        <Field label="test examples">{input('testLimit', 'number', '1')}</Field>
        <PrivacyFields value={privacy} onChange={setPrivacy} token={token} shape={accountingShape()} />
        <CommunicationFields value={communication} onChange={setCommunication} />
        <AsynchronousFields value={asynchronous} onChange={setAsynchronous} />
        <WorkFields value={work} onChange={setWork} />
        <PersonalizationFields value={personalization} onChange={setPersonalization} />
        <ContributionFields value={contribution} onChange={setContribution} />
        <label className="check"><input type="checkbox" checked={f.baseline} onChange={set('baseline')} data-testid="dashboard.create.baseline" /> centralized baseline</label>
        <label className="check"><input type="checkbox" checked={f.start} onChange={set('start')} data-testid="dashboard.create.start" /> start at once</label>
        <button type="submit" data-testid="dashboard.create.submit">Create task</button>
      </form>
      {message ? <p className={message.error ? 'error' : 'ok'} role="status" data-testid="dashboard.create.message">{message.text}</p> : null}
    </section>
  );
}
