// Launching Chromium for a browser fleet, and the CDP knobs that make tabs behave like a crowd of
// different devices: CPU throttling and network profiles.

import type { CDPSession, Page } from 'playwright-core';

/** Debian's Chromium unless FLOTILLA_CHROMIUM names another; Playwright's own downloads need a network. */
export function chromiumPath(explicit: string | null): string {
  return explicit ?? process.env.FLOTILLA_CHROMIUM ?? '/usr/bin/chromium';
}

/** Headless Chromium as root without a GPU or an outside network (the e2e tests use them too). */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
  // A fleet's tabs are all "in the background" of one headless window: do not slow their timers.
  '--disable-background-timer-throttling',
  '--disable-renderer-backgrounding',
  '--disable-backgrounding-occluded-windows',
];

/**
 * Offers WebGPU to pages and workers (Chromium on Linux does not by default); without a GPU the
 * adapter is SwiftShader's, measured here at about 10 examples/s (WASM: 600–900) after 9–15 s of
 * shader compilation per tab, so fleets and tests turn it on only when asked (`--webgpu`).
 */
export const WEBGPU_ARGS = ['--enable-unsafe-webgpu'];

export interface NetworkProfile {
  name: string;
  latencyMs: number;
  downloadKbps: number;
  uploadKbps: number;
}

/** Named profiles, after Chrome DevTools' presets. */
export const NETWORK_PROFILES: Record<string, NetworkProfile> = {
  '3g': { name: '3g', latencyMs: 300, downloadKbps: 1_600, uploadKbps: 750 },
  '4g': { name: '4g', latencyMs: 60, downloadKbps: 9_000, uploadKbps: 9_000 },
  wifi: { name: 'wifi', latencyMs: 10, downloadKbps: 30_000, uploadKbps: 15_000 },
};

/**
 * `3g`, `4g`, `wifi`, or `latency:MS,down:KBPS,up:KBPS`; null for no emulation.
 * @example parseNetworkProfile('latency:150,down:4000,up:1000')
 */
export function parseNetworkProfile(text: string | undefined): NetworkProfile | null {
  if (text === undefined || text === '' || text === 'none') return null;
  const named = NETWORK_PROFILES[text];
  if (named) return named;
  const fields = Object.fromEntries(text.split(',').map((kv) => kv.split(':') as [string, string]));
  const latencyMs = Number(fields.latency);
  const downloadKbps = Number(fields.down);
  const uploadKbps = Number(fields.up);
  if (![latencyMs, downloadKbps, uploadKbps].every((v) => Number.isFinite(v) && v >= 0)) {
    throw new Error(`--network must be 3g, 4g, wifi or latency:MS,down:KBPS,up:KBPS, got ${text}`);
  }
  return { name: text, latencyMs, downloadKbps, uploadKbps };
}

/**
 * Applies CPU throttling (rate ≥ 1) and a network profile to a tab through the DevTools protocol.
 * The network profile shapes the worker's fetches too; the CPU throttling reaches the page's
 * thread only (CDP refuses it for dedicated workers), so a slow tab's worker also idles (`?slowdown=`).
 */
export async function emulateDevice(page: Page, cpuThrottle: number, network: NetworkProfile | null): Promise<CDPSession> {
  const cdp = await page.context().newCDPSession(page);
  if (cpuThrottle > 1) await cdp.send('Emulation.setCPUThrottlingRate', { rate: cpuThrottle });
  if (network) {
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: network.latencyMs,
      // CDP wants bytes per second.
      downloadThroughput: (network.downloadKbps * 1000) / 8,
      uploadThroughput: (network.uploadKbps * 1000) / 8,
    });
  }
  return cdp;
}
