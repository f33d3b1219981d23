// Headless Chromium from Debian's `chromium` package, with WebGPU on SwiftShader (its
// CPU Vulkan driver). Playwright only drives it: no browser is ever downloaded.
// Found by experiment with Chromium 156: --enable-unsafe-webgpu alone exposes
// navigator.gpu with a SwiftShader adapter in headless mode (no --use-vulkan,
// --use-angle or --enable-features=Vulkan needed, and --disable-gpu does not hide
// it); without it requestAdapter() returns null. --use-webgpu-adapter=swiftshader
// pins the adapter, so a machine with a GPU runs the test on the same CPU path.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

export const CHROMIUM_FLAGS = [
  '--enable-unsafe-webgpu',
  '--use-webgpu-adapter=swiftshader',
  // The test runs as root in a container, where Chromium's sandbox cannot start.
  '--no-sandbox',
  // Quiet, reproducible runs: no network chatter, no first-run UI, no updates.
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** Headless Chromium with a fresh profile (removed on close); `webgpu: false` leaves WebGPU off. */
export async function launchChromium({ webgpu = true } = {}): Promise<Browser> {
  const profile = await mkdtemp(join(tmpdir(), 'webgpu-vae-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: webgpu ? CHROMIUM_FLAGS : CHROMIUM_FLAGS.filter((f) => !f.includes('webgpu')),
    viewport: { width: 1400, height: 900 },
    acceptDownloads: true,
  });
  return {
    context,
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
