// A package-lock.json for a throwaway consumer project, cut from this repository's
// own lock: the packed tarball plus exactly the packages it and the consumer's dev
// tools need, at the versions CI already installed. With integrities from our lock,
// `npm ci --offline` takes every package from the npm cache that our own `npm ci`
// filled, so the consumer check needs no registry. The dev/optional flags are
// recomputed for the consumer (npm's --omit reads them).
interface LockEntry {
  version?: string;
  resolved?: string;
  integrity?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  dev?: boolean;
  optional?: boolean;
  devOptional?: boolean;
  [key: string]: unknown;
}

export interface Lock {
  name: string;
  lockfileVersion: 3;
  requires: true;
  packages: Record<string, LockEntry>;
}

export interface ConsumerSpec {
  name: string;
  /** The packed tarball, relative to the consumer project, and its package.json. */
  tarball: { path: string; integrity: string; manifest: { name: string; version: string; bin?: Record<string, string>; engines?: Record<string, string>; dependencies?: Record<string, string>; optionalDependencies?: Record<string, string> } };
  /** The consumer's devDependencies, taken at the repository's locked versions. */
  dev: string[];
}

/** The consumer's package.json and package-lock.json. */
export function consumerProject(repoLock: Lock, spec: ConsumerSpec): { manifest: Record<string, unknown>; lock: Lock } {
  const repo = repoLock.packages;
  const m = spec.tarball.manifest;
  const devDependencies = Object.fromEntries(spec.dev.map((n) => [n, repo[`node_modules/${n}`]!.version!]));
  const root: LockEntry = { name: spec.name, dependencies: { [m.name]: `file:${spec.tarball.path}` }, devDependencies };
  const packages: Record<string, LockEntry> = {
    '': root,
    // npm ci links bins and checks engines from the lock entry, not the tarball.
    [`node_modules/${m.name}`]: { version: m.version, resolved: `file:${spec.tarball.path}`, integrity: spec.tarball.integrity, bin: m.bin, engines: m.engines, dependencies: m.dependencies, optionalDependencies: m.optionalDependencies },
  };
  // How each package is reached: 'prod' beats 'optional' beats 'dev'.
  const reach = new Map<string, 'prod' | 'optional' | 'dev'>();
  const rank = { prod: 0, optional: 1, dev: 2 } as const;
  const visit = (from: string, name: string, how: 'prod' | 'optional' | 'dev') => {
    const path = resolve(repo, from, name);
    if (!path) throw new Error(`consumer lock: '${name}' (needed by ${from || 'the consumer'}) is not in this repository's package-lock.json; run npm install`);
    const seen = reach.get(path);
    if (seen !== undefined && rank[seen] <= rank[how]) return;
    reach.set(path, how);
    const e = repo[path]!;
    for (const d of Object.keys(e.dependencies ?? {})) visit(path, d, how);
    for (const d of Object.keys(e.optionalDependencies ?? {})) visit(path, d, how === 'prod' ? 'optional' : how);
  };
  for (const d of Object.keys(m.dependencies ?? {})) visit('', d, 'prod');
  for (const d of Object.keys(m.optionalDependencies ?? {})) visit('', d, 'optional');
  for (const d of spec.dev) visit('', d, 'dev');
  for (const [path, how] of reach) {
    const { dev: _d, optional: _o, devOptional: _do, ...entry } = repo[path]!;
    packages[path] = { ...entry, ...(how === 'dev' ? { dev: true } : how === 'optional' ? { optional: true } : {}) };
  }
  return { manifest: { name: spec.name, private: true, type: 'module', dependencies: root.dependencies, devDependencies }, lock: { name: spec.name, lockfileVersion: 3, requires: true, packages } };
}

/** Node's lookup of `name` from the package at `from`: its own node_modules, then each parent's. */
function resolve(packages: Record<string, LockEntry>, from: string, name: string): string | null {
  for (let dir = from; ; dir = parentPackage(dir)) {
    const path = `${dir ? `${dir}/` : ''}node_modules/${name}`;
    if (packages[path]) return path;
    if (dir === '') return null;
  }
}

function parentPackage(path: string): string {
  const at = path.lastIndexOf('/node_modules/');
  return at < 0 ? '' : path.slice(0, at);
}
