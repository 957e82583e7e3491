// The dashboard's calls to the dataset registry: list, upload (multipart) and delete.

import type { DatasetRecord } from '@flotilla/protocol';
import { ApiError, api } from './api.ts';

/** Every dataset, built-in ones first. */
export function listDatasets(): Promise<DatasetRecord[]> {
  return api<DatasetRecord[]>(null, '/api/datasets');
}

/**
 * Registers files as a dataset; resolves with the record and whether it is new. A refusal is an
 * ApiError whose message names the DATA_* code, file, line and column where the coordinator gave them.
 * @example const { record } = await uploadDataset(form);
 */
export async function uploadDataset(form: FormData): Promise<{ record: DatasetRecord; created: boolean }> {
  const response = await fetch('/api/datasets', { method: 'POST', body: form, credentials: 'same-origin', headers: { 'x-flotilla-csrf': '1' } });
  const body = await response.json().catch(() => null) as (DatasetRecord & { code?: string; message?: string; detail?: { code?: string } }) | null;
  if (!response.ok) {
    const detail = body?.detail?.code ? ` [${body.detail.code}]` : '';
    throw new ApiError(response.status, body?.code ?? `HTTP_${response.status}`, `${body?.message ?? response.statusText}${detail}`);
  }
  return { record: body!, created: response.status === 201 };
}

export async function deleteDataset(id: string): Promise<void> {
  await api(null, `/api/datasets/${encodeURIComponent(id)}`, { method: 'DELETE' });
}
