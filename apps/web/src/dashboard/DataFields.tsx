// The data part of the create-task form: which dataset the simulated clients are partitioned from
// (its schema shown), the central test set (only datasets of the same schema), and the share each
// client holds out for federated evaluation. Empty choices leave the coordinator's defaults.

import { describeSchema, type DatasetRecord } from '@flotilla/protocol';

export interface DataFieldsValue {
  dataset: string;
  /** '' = the default: mnist-test for MNIST, none (federated evaluation on the clients) otherwise. */
  testDataset: string;
  /** '' = the default: 0 for MNIST, 0.2 for a registered dataset without a test set. */
  clientTestFraction: string;
}

export const INITIAL_DATA: DataFieldsValue = { dataset: 'mnist', testDataset: '', clientTestFraction: '' };

const TEST_ONLY = 'mnist-test';
const sameSchema = (a: DatasetRecord, b: DatasetRecord) => JSON.stringify(a.schema) === JSON.stringify(b.schema);

/**
 * The task config's `data` fields this part decides (the form adds the partition and test limit).
 * @example const data = { ...dataConfig(value), partition, testLimit };
 */
export function dataConfig(value: DataFieldsValue): { dataset: string; testDataset?: string; clientTestFraction?: number } {
  return {
    dataset: value.dataset,
    ...(value.testDataset ? { testDataset: value.testDataset } : {}),
    ...(value.clientTestFraction.trim() !== '' ? { clientTestFraction: Number(value.clientTestFraction) } : {}),
  };
}

export function DataFields({ value, onChange, datasets }: { value: DataFieldsValue; onChange(next: DataFieldsValue): void; datasets: DatasetRecord[] }) {
  const selected = datasets.find((d) => d.id === value.dataset) ?? null;
  const tests = selected ? datasets.filter((d) => d.id !== selected.id && sameSchema(d, selected)) : [];
  const set = (patch: Partial<DataFieldsValue>) => onChange({ ...value, ...patch });
  const trainable = datasets.filter((d) => d.id !== TEST_ONLY);

  return (
    <>
      <label className="field"><span>dataset</span>
        <select value={value.dataset} onChange={(e) => set({ dataset: e.target.value, testDataset: '' })} data-testid="dashboard.create.dataset">
          {trainable.length === 0 ? <option value="mnist">MNIST (training set)</option> : null}
          {trainable.map((d) => <option key={d.id} value={d.id}>{d.name}</option>)}
        </select>
      </label>
      {selected ? (
        <p className="muted" data-testid="dashboard.create.schema">
          {describeSchema(selected.schema)} · {selected.count} examples{selected.numClients === null ? '' : ` · ${selected.numClients} clients (natural partition available)`}
        </p>
      ) : null}
      <label className="field"><span>test set</span>
        <select value={value.testDataset} onChange={(e) => set({ testDataset: e.target.value })} data-testid="dashboard.create.testDataset">
          <option value="">{value.dataset === 'mnist' ? 'MNIST test set' : 'none: evaluate on the clients'}</option>
          {tests.map((d) => <option key={d.id} value={d.id}>{d.name}</option>)}
        </select>
      </label>
      <label className="field"><span>held out per client</span>
        <input type="number" step="any" min="0" max="0.5" placeholder={value.dataset === 'mnist' ? '0' : value.testDataset ? '0' : '0.2'} value={value.clientTestFraction}
          onChange={(e) => set({ clientTestFraction: e.target.value })} data-testid="dashboard.create.clientTestFraction" />
      </label>
    </>
  );
}
