/** What the benchmarks share for timing and memory: quantiles, a worker pool, a forced GC, memory figures. */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** The nearest-rank quantile: `q` of the values are at or below it. */
export function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** Milliseconds `work` took. */
export async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

/** Runs `work(i)` for i < count on `workers` concurrent workers; returns each run's time and the wall time. */
export async function pool(count: number, workers: number, work: (i: number) => Promise<unknown>): Promise<{ times: number[]; wallMs: number }> {
  const times: number[] = [];
  let next = 0;
  const wallMs = await timed(() =>
    Promise.all(
      Array.from({ length: Math.min(workers, count) }, async () => {
        while (next < count) times.push(await timed(() => work(next++)));
      }),
    ),
  );
  return { times, wallMs };
}

/**
 * A full garbage collection, without asking for `--expose-gc` on the command line (the bench runner starts
 * each benchmark with plain flags): V8's flag set at run time, and `gc` taken from a fresh context.
 */
export const collectGarbage: () => void = (() => {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
})();

export interface Memory {
  rssMb: number;
  /** Linux: RSS that is anonymous memory (heap, malloc) and RSS that is mapped files (code, LevelDB's tables); 0 elsewhere. */
  rssAnonMb: number;
  rssFileMb: number;
  heapTotalMb: number;
  heapUsedMb: number;
  externalMb: number;
}

/** RSS, the V8 heap (reserved and in use) and external memory (Buffers) after two full collections. */
export function memoryNow(): Memory {
  collectGarbage();
  collectGarbage();
  const { rss, heapTotal, heapUsed, external } = process.memoryUsage();
  const mb = (bytes: number) => bytes / 1024 / 1024;
  const status = (() => {
    try {
      return readFileSync('/proc/self/status', 'utf8');
    } catch {
      return '';
    }
  })();
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) / 1024;
  return { rssMb: mb(rss), rssAnonMb: kb('RssAnon'), rssFileMb: kb('RssFile'), heapTotalMb: mb(heapTotal), heapUsedMb: mb(heapUsed), externalMb: mb(external) };
}

export const ms = (value: number) => value.toFixed(1).padStart(7);
