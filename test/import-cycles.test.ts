/**
 * The arrows between modules point one way: no import cycle in any of our own folders, the CT and
 * auth layers know nothing of GraphQL, and the simulator stands alone (it is CT's stand-in, so it
 * must never lean on the code it is there to test), and so does the /board example (a customer's
 * frontend: only the public API, never the facade's code). Reads the sources as text: tsc has no
 * JavaScript API in TypeScript 7, and static imports are regular enough for a pattern.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const FOLDERS = ['src', 'simulator', 'bench', 'scripts', 'test', 'examples/board'];
const SKIPPED_DIRS = new Set(['node_modules', '.work']);

interface Module {
  /** Path from the repository root, with forward slashes. */
  file: string;
  /** Resolved relative imports (files under ROOT), including `import type` and re-exports. */
  local: string[];
  /** Bare specifiers: packages and node: built-ins. */
  packages: string[];
  /** Relative specifiers that name no file (the walker would otherwise miss an edge silently). */
  unresolved: string[];
}

function sourceFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return SKIPPED_DIRS.has(entry.name) ? [] : sourceFiles(path);
    return /\.(?:ts|mts)$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

const toPosix = (path: string): string => relative(ROOT, path).split(sep).join('/');

/**
 * Specifiers of static imports and re-exports. Only statements that start a line count: comments
 * (whose lines start with `//` or ` *`) and code quoted in tests' template strings (indented) are
 * not edges. Blanking comments first is not safe without a real tokenizer: a path like
 * '/__sim/*' in a comment or a quote inside a regex literal would swallow real imports.
 */
function specifiers(source: string): string[] {
  const found: string[] = [];
  for (const m of source.matchAll(/^(?:import|export)\b[^;'"]*?\bfrom\s*['"]([^'"]+)['"]/gm)) found.push(m[1]!);
  for (const m of source.matchAll(/^import\s*['"]([^'"]+)['"]/gm)) found.push(m[1]!);
  return found;
}

/** NodeNext style: './x.js' names './x.ts' in the sources. */
function resolveLocal(from: string, specifier: string): string | null {
  const target = resolve(dirname(from), specifier);
  const candidates = [target, target.replace(/\.js$/, '.ts'), target.replace(/\.mjs$/, '.mts')];
  return candidates.find((c) => existsSync(c) && statSync(c).isFile()) ?? null;
}

function readGraph(): Map<string, Module> {
  const modules = new Map<string, Module>();
  for (const path of FOLDERS.flatMap((folder) => sourceFiles(join(ROOT, folder)))) {
    const module: Module = { file: toPosix(path), local: [], packages: [], unresolved: [] };
    for (const specifier of specifiers(readFileSync(path, 'utf8'))) {
      if (!specifier.startsWith('.')) {
        module.packages.push(specifier);
        continue;
      }
      const target = resolveLocal(path, specifier);
      if (target) module.local.push(toPosix(target));
      else module.unresolved.push(specifier);
    }
    modules.set(module.file, module);
  }
  return modules;
}

/** Tarjan's strongly connected components; every component of two or more modules holds a cycle. */
function tangles(modules: Map<string, Module>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  let next = 0;
  const visit = (file: string): void => {
    index.set(file, next);
    low.set(file, next);
    next += 1;
    stack.push(file);
    onStack.add(file);
    for (const to of modules.get(file)?.local ?? []) {
      if (!modules.has(to)) continue;
      if (!index.has(to)) {
        visit(to);
        low.set(file, Math.min(low.get(file)!, low.get(to)!));
      } else if (onStack.has(to)) {
        low.set(file, Math.min(low.get(file)!, index.get(to)!));
      }
    }
    if (low.get(file) === index.get(file)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== file);
      const selfImport = modules.get(file)!.local.includes(file);
      if (component.length > 1 || selfImport) found.push(component.sort());
    }
  };
  for (const file of [...modules.keys()].sort()) if (!index.has(file)) visit(file);
  return found;
}

/** One shortest cycle through the first module of a component, written a -> b -> a. */
function cycleThrough(component: string[], modules: Map<string, Module>): string {
  const members = new Set(component);
  const start = component[0]!;
  const cameFrom = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const file = queue.shift()!;
    for (const to of modules.get(file)!.local) {
      if (!members.has(to)) continue;
      if (to === start) {
        const path = [file];
        while (path[0] !== start) path.unshift(cameFrom.get(path[0]!)!);
        return [...path, start].join(' -> ');
      }
      if (!cameFrom.has(to)) {
        cameFrom.set(to, file);
        queue.push(to);
      }
    }
  }
  return component.join(', ');
}

/** Every module `file` reaches through relative imports, itself included. */
function reach(file: string, modules: Map<string, Module>): Set<string> {
  const seen = new Set<string>([file]);
  const queue = [file];
  while (queue.length > 0) {
    for (const to of modules.get(queue.shift()!)?.local ?? []) {
      if (!seen.has(to)) {
        seen.add(to);
        queue.push(to);
      }
    }
  }
  return seen;
}

/** graphql itself, graphql-yoga, graphql-jit, graphql-request, @graphql-yoga/*, @pothos/*, ... */
const GRAPHQL_PACKAGE = /^graphql(?:-[\w-]+)?(?:\/|$)|^@graphql-[\w-]+\/|^@pothos\//;

describe('the import graph', () => {
  const modules = readGraph();

  it('reads every folder and resolves every relative import', () => {
    for (const folder of FOLDERS)
      expect(
        [...modules.keys()].some((f) => f.startsWith(`${folder}/`)),
        folder,
      ).toBe(true);
    expect(modules.get('src/app.ts')?.local.length).toBeGreaterThan(5);
    const unresolved = [...modules.values()].flatMap((m) => m.unresolved.map((s) => `${m.file}: ${s}`));
    expect(unresolved).toEqual([]);
  });

  it('has no cycle', () => {
    const cycles = tangles(modules).map((component) => cycleThrough(component, modules));
    expect(cycles).toEqual([]);
  });

  it('keeps GraphQL out of src/ct/ and src/auth/, also through what they import', () => {
    const layers = [...modules.keys()].filter((f) => f.startsWith('src/ct/') || f.startsWith('src/auth/'));
    expect(layers.length).toBeGreaterThan(5);
    const offences = layers.flatMap((file) =>
      [...reach(file, modules)].flatMap((reached) =>
        modules
          .get(reached)!
          .packages.filter((p) => GRAPHQL_PACKAGE.test(p))
          .map((p) => (reached === file ? `${file} imports ${p}` : `${file} reaches ${reached}, which imports ${p}`)),
      ),
    );
    expect(offences).toEqual([]);
  });

  it('keeps the simulator standalone: nothing under simulator/ imports from src/ (or any other folder)', () => {
    const offences = [...modules.values()]
      .filter((m) => m.file.startsWith('simulator/'))
      .flatMap((m) => m.local.filter((to) => !to.startsWith('simulator/')).map((to) => `${m.file} imports ${to}`));
    expect(offences).toEqual([]);
  });

  it("keeps the board a customer's frontend: examples/board/ imports only itself and its two client packages", () => {
    const board = [...modules.values()].filter((m) => m.file.startsWith('examples/board/'));
    expect(board.length).toBeGreaterThan(3);
    const allowed = new Set(['graphql-sse', '@graphql-typed-document-node/core']);
    const offences = board.flatMap((m) => [
      ...m.local.filter((to) => !to.startsWith('examples/board/')).map((to) => `${m.file} imports ${to}`),
      ...m.packages.filter((p) => !allowed.has(p)).map((p) => `${m.file} imports ${p}`),
    ]);
    expect(offences).toEqual([]);
  });
});
