// How numbers look on the dashboard (and in the e2e specs that compare them with the REST API).

/** Accuracy and δ: four decimals, like the fleet CLI's round lines. */
export const fmtAcc = (v: number | null | undefined): string => (v === null || v === undefined ? '—' : v.toFixed(4));

/** ε spent at δ: three decimals, as accountants' outputs are usually quoted. */
export const fmtEps = (v: number | null | undefined): string => (v === null || v === undefined ? '—' : v.toFixed(3));

export const fmtLoss = (v: number | null | undefined): string => (v === null || v === undefined ? '—' : v.toFixed(4));

export function fmtBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

export function fmtDuration(ms: number): string {
  if (ms < 0) return '0 s';
  if (ms < 60_000) return `${Math.ceil(ms / 1000)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.ceil((ms % 60_000) / 1000)} s`;
}

export function fmtAgo(at: number, now: number): string {
  const s = Math.max(0, Math.round((now - at) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  return new Date(at).toLocaleString();
}

export const fmtTime = (at: number): string => new Date(at).toLocaleTimeString();
