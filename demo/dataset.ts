// The digits the page trains on: dist/demo/digits.bin, written at bundle time by
// encodeDatasetBinary(loadEmbeddedMnist()). `?train=N&test=M` in the page's URL uses
// only the first N training and M test digits (quicker epochs on a CPU adapter).
import { decodeDatasetBinary, subset, type Split } from '../src/index.js';

export async function loadDigits(url: string, query: URLSearchParams): Promise<Split> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch (e) {
    throw new Error(`could not fetch the digits (${url}): ${(e as Error).message}. Is the demo server still running?`);
  }
  if (!response.ok) {
    throw new Error(`could not fetch the digits (${url}): HTTP ${response.status}. Serve the page with 'npm run demo', which builds digits.bin.`);
  }
  const split = decodeDatasetBinary(new Uint8Array(await response.arrayBuffer()));
  return { train: limit(split.train, query, 'train'), test: limit(split.test, query, 'test') };
}

function limit(ds: Split['train'], query: URLSearchParams, name: 'train' | 'test'): Split['train'] {
  const raw = query.get(name);
  if (raw === null) return ds;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`?${name}=${raw} in the page URL must be a positive integer (the number of ${name} digits to use)`);
  return subset(ds, 0, Math.min(n, ds.n));
}
