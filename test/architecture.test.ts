import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The shape of the house, checked on every `npm test`: imports between folders run one way (no
 * cycle, type imports included), visits are the hub and import no feature, pure rules stay pure, and
 * listeners write no SQL. A folder is a node; a file directly in src/ is a node of its own.
 */

const ROOT = join(import.meta.dirname, '..');
const SRC = join(ROOT, 'src');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** Every import specifier of a file (static, dynamic and re-exports), with its line. */
function importsOf(path: string): string[] {
  const text = readFileSync(path, 'utf8');
  const specs = [
    ...text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s*'([^']+)'/gm),
    ...text.matchAll(/\bimport\(\s*'([^']+)'\s*\)/g),
  ];
  return specs.map((m) => m[1] as string);
}

/** The node a file belongs to: `db`, `popback`, `main.ts`… (null outside src/ and db/). */
function nodeOf(path: string): string | null {
  const rel = relative(ROOT, path).split('/');
  if (rel[0] === 'db') return 'db';
  if (rel[0] !== 'src') return null;
  return rel.length === 2 ? (rel[1] as string) : (rel[1] as string);
}

const srcFiles = files(SRC);
const edges = new Map<string, Set<string>>();
const fileEdges: Array<{ from: string; to: string; spec: string }> = [];
for (const file of srcFiles) {
  const from = nodeOf(file) as string;
  for (const spec of importsOf(file)) {
    if (!spec.startsWith('.')) continue;
    const target = resolve(dirname(file), spec);
    const to = nodeOf(target);
    fileEdges.push({ from: relative(ROOT, file), to: relative(ROOT, target), spec });
    if (!to || to === from) continue;
    if (!edges.has(from)) edges.set(from, new Set());
    edges.get(from)?.add(to);
  }
}

/** Strongly connected components with more than one node: the cycles. */
function cycles(graph: Map<string, Set<string>>): string[][] {
  let index = 0;
  const stack: string[] = [];
  const on = new Set<string>();
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const out: string[][] = [];
  const nodes = new Set([...graph.keys(), ...[...graph.values()].flatMap((s) => [...s])]);
  const visit = (v: string) => {
    idx.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (on.has(w)) {
        low.set(v, Math.min(low.get(v) as number, idx.get(w) as number));
      }
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop() as string;
        on.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1) out.push(scc.sort());
    }
  };
  for (const n of nodes) if (!idx.has(n)) visit(n);
  return out;
}

const FEATURES = [
  'popback',
  'rota',
  'alerts',
  'escalation',
  'home',
  'cover',
  'admin',
  'competence',
  'report',
];

describe('the house', () => {
  it('has no import cycle between folders (type imports count)', () => {
    const found = cycles(edges);
    const explain = found.map((scc) =>
      fileEdges
        .filter(
          (e) =>
            scc.includes(nodeOf(join(ROOT, e.from)) ?? '') && scc.includes(nodeOf(join(ROOT, e.to)) ?? ''),
        )
        .filter((e) => nodeOf(join(ROOT, e.from)) !== nodeOf(join(ROOT, e.to)))
        .map((e) => `${e.from} → ${e.spec}`),
    );
    expect(explain).toEqual([]);
  });

  it('the check is not vacuous: it sees the folders and finds a planted cycle', () => {
    expect([...edges.keys()]).toEqual(expect.arrayContaining(['popback', 'visits', 'patches', 'slack']));
    const planted = new Map([...edges].map(([k, v]) => [k, new Set(v)]));
    planted.get('patches')?.add('popback');
    expect(cycles(planted).length).toBeGreaterThan(0);
  });

  it('visits is the hub: it imports no feature; patches import neither visits nor a feature', () => {
    for (const low of ['visits', 'patches', 'slack', 'db']) {
      const above =
        low === 'visits' ? FEATURES : [...FEATURES, 'visits', ...(low === 'slack' ? ['patches'] : [])];
      const bad = [...(edges.get(low) ?? [])].filter((to) => above.includes(to));
      expect(bad, `${low} imports ${bad.join(', ')}`).toEqual([]);
    }
  });

  it('features never import main.ts or cli.ts (the composition root hands things in)', () => {
    const bad = fileEdges.filter((e) => e.from.split('/').length > 2 && /src\/(main|cli)\.ts$/.test(e.to));
    expect(bad).toEqual([]);
  });

  it('pure rules (model.ts) import no Bolt, no drizzle, no database and no clock source', () => {
    for (const file of srcFiles.filter((f) => f.endsWith('/model.ts'))) {
      for (const spec of importsOf(file)) {
        const ok = spec.startsWith('.') ? /(\/model|\/time|\/text)\.ts$/.test(spec) : false;
        expect(ok, `${relative(ROOT, file)} imports ${spec}`).toBe(true);
      }
    }
  });

  it('listeners write no SQL: no drizzle and no db/ imports in a listeners.ts (stores do the queries)', () => {
    for (const file of srcFiles.filter((f) => f.endsWith('/listeners.ts'))) {
      for (const spec of importsOf(file)) {
        const bad = spec === 'drizzle-orm' || spec.includes('/db/') || spec.includes('../../db');
        expect(bad, `${relative(ROOT, file)} imports ${spec}`).toBe(false);
      }
    }
  });

  it('production code never imports a test double or a dev tool', () => {
    for (const file of srcFiles) {
      for (const spec of importsOf(file)) {
        expect(
          spec.includes('/test/') || ['msw', 'vitest', 'tsx', 'fast-check'].includes(spec),
          `${relative(ROOT, file)} imports ${spec}`,
        ).toBe(false);
      }
    }
  });

  it('only config.ts reads process.env, and only time.ts configures dayjs', () => {
    for (const file of srcFiles) {
      const text = readFileSync(file, 'utf8');
      if (!file.endsWith('/config.ts')) expect(/process\.env/.test(text), relative(ROOT, file)).toBe(false);
      if (!file.endsWith('/time.ts'))
        expect(/dayjs\.extend|from 'dayjs/.test(text), relative(ROOT, file)).toBe(false);
    }
  });
});
