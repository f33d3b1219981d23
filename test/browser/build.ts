// vitest global setup for the browser tests: rebuild dist/demo/ (bundle, page and
// digits.bin) exactly as `npm run build:demo` does, so the tests never load a stale page.
import { buildDemo } from '../../demo/build.js';

export default async function setup(): Promise<void> {
  await buildDemo();
}
