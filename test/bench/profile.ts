import { readFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { findSourceMap, type SourceMap } from 'node:module';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * CPU profiles for the report: V8's sampling profiler, in this process (node:inspector) or read from a
 * `node --cpu-prof` file of another. Summed into self time per function, as a profiler's bottom-up
 * view shows it, so a missed target can name the functions it spends its time in.
 */

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
}
export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface SelfTime {
  /** `functionName (file:line)`, the file relative to the repository. */
  name: string;
  ms: number;
  /** Of the profile's busy (non-idle) time. */
  share: number;
}

const ROOT = new URL('../..', import.meta.url).pathname;

const maps = new Map<string, SourceMap | null>();
const sources = new Map<string, string[]>();

/**
 * Where a frame of TypeScript run through tsx is in its source: tsx's code is one line per module, so
 * its line is looked up in the module's source map (in this process only; null elsewhere).
 */
function originalLine(cf: CallFrame): number | null {
  if (!cf.url.endsWith('.ts')) return null;
  let map = maps.get(cf.url);
  if (map === undefined) {
    map = findSourceMap(cf.url) ?? null;
    maps.set(cf.url, map);
  }
  const entry = map?.findEntry(cf.lineNumber, cf.columnNumber) as { originalLine?: number } | undefined;
  return entry?.originalLine === undefined ? null : entry.originalLine + 1;
}

function where(cf: CallFrame): string {
  if (!cf.url) return '';
  let file = cf.url.startsWith('file://') ? fileURLToPath(cf.url) : cf.url;
  if (file.startsWith('/')) file = relative(ROOT, file);
  // node_modules is a link: keep the package path only.
  file = file.replace(/^.*node_modules\//, '');
  if (!file.endsWith('.ts')) return `${file}:${cf.lineNumber + 1}`;
  const line = originalLine(cf);
  return line === null ? file : `${file}:${line}`;
}

/** An arrow function's name from its source line (`export const renderDigest: Renderer = (db) =>`). */
function nameOf(cf: CallFrame): string {
  if (cf.functionName) return cf.functionName;
  const line = originalLine(cf);
  if (line === null) return '(anonymous)';
  let text = sources.get(cf.url);
  if (!text) {
    try {
      text = readFileSync(fileURLToPath(cf.url), 'utf8').split('\n');
    } catch {
      text = [];
    }
    sources.set(cf.url, text);
  }
  const src = text[line - 1] ?? '';
  const m = /(?:const|let)\s+(\w+)\s*(?::[^=]*)?=/.exec(src) ?? /^\s*(?:async\s+)?(\w+)\s*\(/.exec(src);
  return m ? `${m[1]} (arrow)` : '(anonymous)';
}

function label(cf: CallFrame): string {
  const at = where(cf);
  return `${nameOf(cf)}${at ? ` (${at})` : ''}`;
}

/** Self time per function, busiest first; idle time is left out of the shares. */
export function selfTimes(profile: CpuProfile, top = 12): { busyMs: number; top: SelfTime[] } {
  const perNode = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) {
    const id = samples[i] as number;
    // A sample's time is the gap to the next one, as DevTools counts it.
    perNode.set(id, (perNode.get(id) ?? 0) + (deltas[i + 1] ?? 0) / 1000);
  }
  const perName = new Map<string, number>();
  let busy = 0;
  for (const node of profile.nodes) {
    const ms = perNode.get(node.id) ?? 0;
    if (ms === 0 || node.callFrame.functionName === '(idle)') continue;
    busy += ms;
    const name = label(node.callFrame);
    perName.set(name, (perName.get(name) ?? 0) + ms);
  }
  const list = [...perName]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, ms]) => ({ name, ms, share: busy > 0 ? ms / busy : 0 }));
  return { busyMs: busy, top: list };
}

/** A profile of this process, with the performance.now() instants it started and stopped at. */
export interface Profiled {
  profile: CpuProfile;
  startPerf: number;
  stopPerf: number;
}

/** Starts V8's sampling profiler in this process; `stop()` returns the profile. */
export async function startProfiler(): Promise<{ stop(): Promise<Profiled> }> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
  const startPerf = performance.now();
  let stopped: Promise<Profiled> | null = null;
  const stop = async (): Promise<Profiled> => {
    const stopPerf = performance.now();
    try {
      const { profile } = await session.post('Profiler.stop');
      return { profile: profile as unknown as CpuProfile, startPerf, stopPerf };
    } finally {
      session.disconnect();
    }
  };
  return {
    stop() {
      stopped ??= stop();
      return stopped;
    },
  };
}

/** Runs `fn` under the sampling profiler of this process (stopped even when fn throws). */
export async function profiled<T>(fn: () => Promise<T>): Promise<{ result: T } & Profiled> {
  const profiler = await startProfiler();
  const outcome = await fn().then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  const p = await profiler.stop();
  if (!outcome.ok) throw outcome.error;
  return { result: outcome.value, ...p };
}

/** The part of an in-process profile between two performance.now() instants. */
export function perfSlice(p: Profiled, from: number, to: number): CpuProfile {
  const scale = (p.profile.endTime - p.profile.startTime) / Math.max(1e-9, p.stopPerf - p.startPerf);
  const at = (perf: number) => p.profile.startTime + (perf - p.startPerf) * scale;
  return sliceProfile(p.profile, at(from), at(to));
}

export function readCpuProfile(path: string): CpuProfile {
  return JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
}

/** The part of a profile between two of its own instants (microseconds, as startTime and endTime). */
export function sliceProfile(profile: CpuProfile, from: number, to: number): CpuProfile {
  const samples: number[] = [];
  const timeDeltas: number[] = [];
  let t = profile.startTime;
  let last = from;
  const all = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < all.length; i++) {
    t += deltas[i] ?? 0;
    if (t < from || t > to) continue;
    samples.push(all[i] as number);
    timeDeltas.push(t - last);
    last = t;
  }
  return { nodes: profile.nodes, startTime: from, endTime: to, samples, timeDeltas };
}

/**
 * The part of a `--cpu-prof` file (which covers the whole process) between two instants given as
 * milliseconds before the process ended.
 */
export function beforeEnd(profile: CpuProfile, fromMs: number, toMs: number): CpuProfile {
  return sliceProfile(profile, profile.endTime - fromMs * 1000, profile.endTime - toMs * 1000);
}

export interface LongTasks {
  minMs: number;
  /** Stretches of at least `minMs` in which the event loop never went idle. */
  count: number;
  longestMs: number;
  totalMs: number;
  /** Time inside those stretches per function of src/ on the stack (inclusive), busiest first. */
  src: SelfTime[];
  /**
   * Time inside those stretches per innermost src/ function on the stack (what it does itself plus
   * the library and SQLite calls it makes), busiest first: where the bot's own time goes.
   */
  srcLeaf: SelfTime[];
  /** Self time inside those stretches, any function, busiest first. */
  self: SelfTime[];
}

/**
 * The stretches of a profile where the loop did not go idle for at least `minMs` (0: all busy time),
 * and which functions they spent their time in; shares are of the stretches' total. A busy stretch may
 * be many short tasks: which of them held the loop is `watchLoop`'s to say.
 */
export function longTasks(profile: CpuProfile, minMs = 20, top = 12): LongTasks {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes as Array<ProfileNode & { children?: number[] }>) {
    for (const c of n.children ?? []) parent.set(c, n.id);
  }
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  const isIdle = (id: number) => byId.get(id)?.callFrame.functionName === '(idle)';
  // Sample i's time is the gap to the next sample (as DevTools counts it).
  const stretches: Array<Array<{ id: number; ms: number }>> = [];
  let current: Array<{ id: number; ms: number }> = [];
  for (let i = 0; i < samples.length; i++) {
    const id = samples[i] as number;
    const ms = (deltas[i + 1] ?? 0) / 1000;
    if (isIdle(id)) {
      if (current.length > 0) stretches.push(current);
      current = [];
    } else current.push({ id, ms });
  }
  if (current.length > 0) stretches.push(current);
  const long = stretches
    .map((s) => ({ s, ms: s.reduce((sum, x) => sum + x.ms, 0) }))
    .filter((x) => x.ms >= minMs);
  const src = new Map<string, number>();
  const srcLeaf = new Map<string, number>();
  const self = new Map<string, number>();
  let total = 0;
  for (const { s, ms } of long) {
    total += ms;
    for (const { id, ms: t } of s) {
      const node = byId.get(id);
      if (!node) continue;
      const own = label(node.callFrame);
      self.set(own, (self.get(own) ?? 0) + t);
      const seen = new Set<string>();
      for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
        const n = byId.get(at);
        if (!n || !/^(dist\/)?src\//.test(where(n.callFrame))) continue;
        const name = label(n.callFrame);
        if (seen.size === 0) srcLeaf.set(name, (srcLeaf.get(name) ?? 0) + t);
        if (seen.has(name)) continue;
        seen.add(name);
        src.set(name, (src.get(name) ?? 0) + t);
      }
    }
  }
  const list = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, ms]) => ({ name, ms, share: total > 0 ? ms / total : 0 }));
  return {
    minMs,
    count: long.length,
    longestMs: Math.max(0, ...long.map((x) => x.ms)),
    totalMs: total,
    src: list(src),
    srcLeaf: list(srcLeaf),
    self: list(self),
  };
}

/**
 * Who the busy time of an in-process profile belongs to: each sample goes to the innermost frame of
 * the repository on its stack (src/: the bot; the stand-in; the driver; the bench), or, with none, to
 * the innermost package (msw, undici, …). Sorted, busiest first.
 */
export function owners(profile: CpuProfile): Array<{ owner: string; ms: number; share: number }> {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes as Array<ProfileNode & { children?: number[] }>) {
    for (const c of n.children ?? []) parent.set(c, n.id);
  }
  const ownerOf = new Map<number, string>();
  const classify = (leaf: number): string => {
    const cached = ownerOf.get(leaf);
    if (cached) return cached;
    let pkg: string | null = null;
    let owner = '';
    for (let at: number | undefined = leaf; at !== undefined; at = parent.get(at)) {
      const cf = byId.get(at)?.callFrame;
      if (!cf) continue;
      const file = where(cf);
      if (/^(dist\/)?src\//.test(file)) owner = 'the bot (src/)';
      else if (/^test\/support\/slack\/signed\.ts/.test(file)) owner = 'the driver (signed requests)';
      else if (/^test\/support\/slack\//.test(file)) owner = 'the Slack stand-in (test/support/slack)';
      else if (/^test\//.test(file)) owner = 'the bench and harness (test/)';
      if (owner) break;
      if (pkg === null && file && !file.startsWith('node:')) {
        const m = /^(@[^/]+\/[^/]+|[^/:]+)\//.exec(file);
        if (m) pkg = m[1] as string;
      }
    }
    const name = byId.get(leaf)?.callFrame.functionName ?? '';
    const result =
      owner ||
      (pkg ? `${pkg} (no repository frame on the stack)` : name.startsWith('(') ? name : 'Node internals');
    ownerOf.set(leaf, result);
    return result;
  };
  const out = new Map<string, number>();
  let busy = 0;
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) {
    const id = samples[i] as number;
    if (byId.get(id)?.callFrame.functionName === '(idle)') continue;
    const ms = (deltas[i + 1] ?? 0) / 1000;
    busy += ms;
    const o = classify(id);
    out.set(o, (out.get(o) ?? 0) + ms);
  }
  return [...out]
    .sort((a, b) => b[1] - a[1])
    .map(([owner, ms]) => ({ owner, ms, share: busy > 0 ? ms / busy : 0 }));
}

const timeTable = (rows: SelfTime[], what: string): string[] => [
  `| ${what} | ms | share |`,
  '|---|---:|---:|',
  ...rows.map((r) => `| \`${r.name}\` | ${r.ms.toFixed(0)} | ${(r.share * 100).toFixed(1)} % |`),
];

/**
 * A profile in the report: whose the busy time is (the bot, the stand-in, …), the src/ functions it
 * was spent in and under, and the busiest functions by self time.
 */
export function profileSection(profile: CpuProfile, opts: { top?: number } = {}): string[] {
  const top = opts.top ?? 10;
  const all = longTasks(profile, 0, top);
  const self = selfTimes(profile, top);
  const lines = [
    `Busy (non-idle) time in the profile: ${self.busyMs.toFixed(0)} ms. Whose it is (each sample goes to the innermost`,
    'frame of this repository on its stack):',
    '',
    '| owner | ms | share |',
    '|---|---:|---:|',
    ...owners(profile)
      .filter((o) => o.share >= 0.005)
      .map((o) => `| ${o.owner} | ${o.ms.toFixed(0)} | ${(o.share * 100).toFixed(1)} % |`),
    '',
    'Time by the innermost src/ function on the stack (its own code plus the library and SQLite calls it makes):',
    '',
    ...timeTable(all.srcLeaf, 'src/ function (file:line)'),
    '',
    "Time under each function of src/ (inclusive: a caller counts its callees' time):",
    '',
    ...timeTable(all.src, 'src/ function (file:line)'),
    '',
    'Self time, busiest first (anything in the process):',
    '',
    ...timeTable(self.top, 'function (file:line)'),
  ];
  return lines;
}

/**
 * Watches the event loop with a 5 ms interval timer: each time the timer fires more than `minMs` late,
 * the loop was held for that long, and the window (performance.now() from when it was due to when it
 * ran) is kept. A request arriving in such a window waited until its end.
 */
export function watchLoop(minMs = 20): { stop(): Array<[number, number]> } {
  const windows: Array<[number, number]> = [];
  const every = 5;
  let last = performance.now();
  const timer = setInterval(() => {
    const t = performance.now();
    if (t - (last + every) > minMs) windows.push([last + every, t]);
    last = t;
  }, every);
  return {
    stop() {
      clearInterval(timer);
      return windows;
    },
  };
}

/** The samples of an in-process profile that fall in any of the windows (performance.now() pairs). */
export function inWindows(p: Profiled, windows: Array<[number, number]>): CpuProfile {
  const samples: number[] = [];
  const timeDeltas: number[] = [];
  for (const [from, to] of windows) {
    const part = perfSlice(p, from, to);
    samples.push(...(part.samples ?? []));
    timeDeltas.push(...(part.timeDeltas ?? []));
  }
  return {
    nodes: p.profile.nodes,
    startTime: p.profile.startTime,
    endTime: p.profile.endTime,
    samples,
    timeDeltas,
  };
}
