// `npm run datasets -- add|list|show|rm …`: the dataset registry from a terminal, over HTTP to a
// running coordinator with the operator token (--token, $FLOTILLA_OPERATOR_TOKEN, or the token
// file in the data directory), as the fleet does. Option flags come from DatasetUploadOptions.

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DATASET_IMPORTERS } from '@flotilla/data';
import { describeSchema, type DatasetRecord } from '@flotilla/protocol';
import { readOperatorToken } from '../auth/operatorToken.ts';
import { DatasetUploadOptions } from '../datasets/uploadOptions.ts';

const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
/** One flag per upload option (`clientColumn` → `--client-column`), derived from the options' schema. */
const OPTION_FLAGS = Object.keys(DatasetUploadOptions.properties).map((name) => ({ name, flag: kebab(name) }));

export const USAGE = `usage: npm run datasets -- <command> [--url URL] [--token T]
  add --format ${Object.keys(DATASET_IMPORTERS).join('|')} [--name N] [options] FILE…   register files (in the format's role order: ${Object.entries(DATASET_IMPORTERS).map(([f, e]) => `${f}: ${e.files.join(' ')}`).join('; ')})
  list                      every dataset: id, examples, clients, schema, size
  show ID                   one dataset as JSON
  rm ID                     delete a dataset no created, running or paused task uses
options: ${OPTION_FLAGS.map((o) => `--${o.flag}`).join(' ')} (lists comma-separated; --schema takes JSON or @file.json)
--url defaults to $FLOTILLA_URL or http://127.0.0.1:8080; --token to $FLOTILLA_OPERATOR_TOKEN, else the token file in --data-dir (.flotilla)`;

/** What one line of `list` says about a dataset's examples. */
export function describeDataset(d: DatasetRecord): string {
  const what = describeSchema(d.schema);
  const clients = d.numClients === null ? '' : `, ${d.numClients} clients`;
  return `${d.id}  ${JSON.stringify(d.name)}  ${d.count} examples${clients}  ${what}  ${d.builtin ? 'built in' : formatBytes(d.bytes)}`;
}

function formatBytes(n: number): string {
  return n < 1024 ? `${n} B` : n < 1024 ** 2 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1024 ** 2).toFixed(1)} MiB`;
}

/**
 * Runs one command; returns the exit code. Lines go to `out`, errors to `err`.
 * @example process.exitCode = await runDatasetsCli(process.argv.slice(2), process.env, console.log, console.error);
 */
export async function runDatasetsCli(argv: string[], env: NodeJS.ProcessEnv, out: (line: string) => void, err: (line: string) => void): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv, allowPositionals: true, strict: true,
      options: {
        url: { type: 'string' }, token: { type: 'string' }, 'data-dir': { type: 'string' }, format: { type: 'string' }, name: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        ...Object.fromEntries(OPTION_FLAGS.map((o) => [o.flag, { type: 'string' as const }])),
      },
    });
  } catch (e) {
    err(`${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  if (values.help || command === undefined) {
    out(USAGE);
    return values.help ? 0 : 2;
  }
  // `npm run` starts this in the repository root; files named on the command line are where the user typed it.
  const here = env.INIT_CWD ?? process.cwd();
  const readLocal = async (file: string, what: string): Promise<Buffer | null> => {
    try {
      return await readFile(path.resolve(here, file));
    } catch (e) {
      err(`cannot read ${what} ${path.resolve(here, file)}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      return null;
    }
  };
  const url = (values.url ?? env.FLOTILLA_URL ?? 'http://127.0.0.1:8080').replace(/\/$/, '');
  const token = values.token || env.FLOTILLA_OPERATOR_TOKEN || readOperatorToken(values['data-dir'] === undefined ? env.FLOTILLA_DATA_DIR ?? '.flotilla' : path.resolve(here, values['data-dir']));
  if (!token) {
    err('no operator token: pass --token, set FLOTILLA_OPERATOR_TOKEN, or point --data-dir at the coordinator\'s data directory');
    return 2;
  }
  const call = async (method: string, pathname: string, body?: FormData) => {
    const response = await fetch(`${url}${pathname}`, { method, headers: { authorization: `Bearer ${token}` }, ...(body ? { body } : {}) });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) as Record<string, unknown> : null };
  };
  const failed = (r: { status: number; body: Record<string, unknown> | null }) => {
    const detail = r.body?.detail ? ` (${JSON.stringify(r.body.detail)})` : '';
    err(`HTTP ${r.status} ${String(r.body?.code ?? '')}: ${String(r.body?.message ?? '')}${detail}`);
    return 1;
  };

  switch (command) {
    case 'list': {
      const r = await call('GET', '/api/datasets');
      if (r.status !== 200) return failed(r);
      for (const d of r.body as unknown as DatasetRecord[]) out(describeDataset(d));
      return 0;
    }
    case 'show': {
      const r = await call('GET', `/api/datasets/${encodeURIComponent(rest[0] ?? '')}`);
      if (r.status !== 200) return failed(r);
      out(JSON.stringify(r.body, null, 2));
      return 0;
    }
    case 'rm': {
      if (rest[0] === undefined) return usage(err, 'rm needs a dataset id');
      const r = await call('DELETE', `/api/datasets/${encodeURIComponent(rest[0])}`);
      if (r.status !== 204) return failed(r);
      out(`deleted ${rest[0]}`);
      return 0;
    }
    case 'add': {
      const format = values.format;
      const entry = format === undefined ? undefined : (DATASET_IMPORTERS as Record<string, { files: readonly string[] }>)[format];
      if (entry === undefined) return usage(err, `add needs --format ${Object.keys(DATASET_IMPORTERS).join('|')}`);
      if (rest.length !== entry.files.length) return usage(err, `a ${format} dataset takes ${entry.files.length} file(s): ${entry.files.join(', ')}`);
      const body = new FormData();
      body.append('format', format!);
      if (values.name) body.append('name', values.name);
      for (const { name, flag } of OPTION_FLAGS) {
        const value = (values as Record<string, string | undefined>)[flag];
        if (value === undefined) continue;
        if (!value.startsWith('@')) {
          body.append(name, value);
          continue;
        }
        const text = await readLocal(value.slice(1), `the --${flag} file`);
        if (text === null) return 2;
        body.append(name, text.toString('utf8'));
      }
      let bytes = 0;
      for (const [i, role] of entry.files.entries()) {
        const file = rest[i]!;
        const data = await readLocal(file, `the ${role} file`);
        if (data === null) return 2;
        bytes += data.byteLength;
        body.append(role, new Blob([new Uint8Array(data)]), path.basename(file));
      }
      out(`uploading ${formatBytes(bytes)} to ${url} …`);
      const r = await call('POST', '/api/datasets', body);
      if (r.status !== 201 && r.status !== 200) return failed(r);
      out(`${r.status === 201 ? 'registered' : 'already registered'} ${describeDataset(r.body as unknown as DatasetRecord)}`);
      return 0;
    }
    default:
      return usage(err, `unknown command ${command}`);
  }
}

function usage(err: (line: string) => void, message: string): number {
  err(`${message}\n${USAGE}`);
  return 2;
}
