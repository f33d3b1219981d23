// Test layout:
//   test/reference/  float64 references and their finite-difference checks (no GPU)
//   test/unit/       other tests that need no GPU (bundling, data, files, plots)
//   test/cli/        the built `webgpu-vae` command end to end, on llvmpipe only
//   test/gpu/        GPU kernels and runtime against the references, run once per
//                    CPU WebGPU adapter so both feature levels stay working:
//                    llvmpipe (OpenGL ES, compatibility) and SwiftShader (Vulkan, core).
//   test/package/    the packed tarball installed into fresh projects: strict TypeScript
//                    consumers, a Node program, npx, a browser bundle
//   test/browser/    the demo page in headless Chromium (WebGPU on SwiftShader),
//                    against a fresh dist/demo/ bundle; screenshots in test-artifacts/.
// The adapter is chosen here, at the top, and handed to tests through the env.
import { defineConfig } from 'vitest/config';
// Shaders are imported as their linked text, as the bundles get them (shaders/link.mjs).
import { wgslVitePlugin as wgslAsText } from './shaders/link.mjs';

const gpuProject = (adapter: string) => ({
  plugins: [wgslAsText],
  test: {
    name: adapter,
    include: ['test/gpu/**/*.test.ts'],
    env: { WEBGPU_VAE_TEST_ADAPTER: adapter },
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});

export default defineConfig({
  plugins: [wgslAsText],
  test: {
    pool: 'forks',
    projects: [
      { plugins: [wgslAsText], test: { name: 'reference', include: ['test/reference/**/*.test.ts'] } },
      { plugins: [wgslAsText], test: { name: 'unit', include: ['test/unit/**/*.test.ts'], testTimeout: 60_000 } },
      {
        plugins: [wgslAsText],
        test: {
          name: 'cli',
          include: ['test/cli/**/*.test.ts'],
          globalSetup: ['test/cli/build.ts'],
          env: { WEBGPU_VAE_TEST_ADAPTER: 'llvmpipe' },
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
      {
        plugins: [wgslAsText],
        test: { name: 'package', include: ['test/package/**/*.test.ts'], testTimeout: 600_000, hookTimeout: 600_000 },
      },
      gpuProject('llvmpipe'),
      gpuProject('swiftshader'),
      {
        plugins: [wgslAsText],
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          globalSetup: ['test/browser/build.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
