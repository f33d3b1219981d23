// Every type a public function, class or option takes or returns is itself exported
// from the entry that offers it, so a consumer can name it (an option object's type, a
// result's type, an error class). Declarations are built fresh into a temporary folder
// and read with the TypeScript 5.9 compiler API (TypeScript 7 has no JavaScript API).
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type * as TS from 'typescript-5';

const ts = createRequire(import.meta.url)('typescript-5') as typeof TS;
const out = mkdtempSync(join(tmpdir(), 'webgpu-vae-types-'));

beforeAll(() => {
  const r = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json', '--outDir', out], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`declarations did not build:\n${r.stdout}${r.stderr}`);
}, 120_000);

/** Names of the package's own types that `entry`'s exports mention but `entry` does not export. */
function unexportedTypes(entry: string): string[] {
  const file = resolve(out, entry);
  const program = ts.createProgram([file], { strict: true, types: ['@webgpu/types', 'node'], skipLibCheck: true, noEmit: true });
  const checker = program.getTypeChecker();
  const module = checker.getSymbolAtLocation(program.getSourceFile(file)!)!;
  const exported = new Set(checker.getExportsOfModule(module).map((s) => (s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s)));
  const missing = new Map<string, Set<string>>();
  const seen = new Set<TS.Node>();
  const visit = (node: TS.Node, user: string) => {
    if (seen.has(node)) return;
    seen.add(node);
    // Private and protected members are not part of what a consumer uses.
    if (ts.canHaveModifiers(node) && ts.getModifiers(node)?.some((m) => m.kind === ts.SyntaxKind.PrivateKeyword || m.kind === ts.SyntaxKind.ProtectedKeyword)) return;
    if (ts.isTypeReferenceNode(node) || ts.isExpressionWithTypeArguments(node)) {
      const name = ts.isTypeReferenceNode(node) ? node.typeName : node.expression;
      let symbol = checker.getSymbolAtLocation(name);
      if (symbol && symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
      const declaration = symbol?.declarations?.[0];
      const ours = declaration && resolve(declaration.getSourceFile().fileName).startsWith(out);
      const isTypeParameter = declaration && ts.isTypeParameterDeclaration(declaration);
      if (symbol && ours && !isTypeParameter && !exported.has(symbol)) {
        if (!missing.has(symbol.name)) missing.set(symbol.name, new Set());
        missing.get(symbol.name)!.add(user);
      }
      // What an unexported type is made of matters too: follow it.
      if (symbol && ours && !isTypeParameter) for (const d of symbol.declarations ?? []) visit(d, `${symbol.name} (via ${user})`);
    }
    ts.forEachChild(node, (child) => visit(child, user));
  };
  for (const symbol of exported) for (const d of symbol.declarations ?? []) visit(d, symbol.name);
  return [...missing].map(([name, users]) => `${name} (used by ${[...users].slice(0, 3).join(', ')})`).sort();
}

describe('public types', () => {
  for (const entry of ['index.d.ts', 'node.d.ts']) {
    it(`${entry}: every type its exports take or return is exported`, () => {
      expect(unexportedTypes(entry)).toEqual([]);
    });
  }
});
