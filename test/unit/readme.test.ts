// The README's kernel example is the program the package test runs, verbatim, so the
// two cannot drift apart.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

describe('README', () => {
  it("shows test/package/consumer/kernels.mjs exactly as the package test runs it", () => {
    const example = readFileSync('test/package/consumer/kernels.mjs', 'utf8');
    expect(readFileSync('README.md', 'utf8')).toContain('```js\n' + example + '```');
  });
});
