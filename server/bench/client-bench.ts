/**
 * `rgflow bench client` (`npm run bench:client`): the classroom page's cost in a real browser.
 * Starts a live server (the default session, recording to a throw-away data file), opens the
 * built page in headless Chromium (Debian's /usr/bin/chromium, software rendering: --disable-gpu),
 * lets it warm up, then records for `seconds`:
 *  - frame time: the interval between consecutive requestAnimationFrame callbacks (16.7 ms
 *    when the page keeps up with a 60 Hz display; longer when a frame's work — drawing the 3D
 *    stack, decoding frames, plotting — overruns), median and p95, and the longest frame;
 *  - main-thread busy time per second (PerformanceObserver 'longtask' blocks ≥ 50 ms);
 *  - frames received and drawn by the 3D view;
 * and reports the size of the built bundle (every .js and .css under dist/client, raw and gzip).
 * The baseline in the same run is an empty page's rAF interval in the same browser, so the
 * ratio says what the page itself costs on this machine's software renderer.
 * With `screenshot`, saves a PNG of the page.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { startServer } from '../serve.js';

export interface ClientBenchOptions {
  seconds?: number;
  /** Viewport, CSS pixels (default 1600 × 1000, a projector). */
  width?: number;
  height?: number;
  /** Write a PNG of the page here. */
  screenshot?: string;
  onProgress?: (message: string) => void;
}

export interface FrameTimes {
  frames: number;
  median_ms: number;
  p95_ms: number;
  max_ms: number;
}

export interface ClientBenchResult {
  seconds: number;
  viewport: { width: number; height: number };
  page: FrameTimes & { long_task_ms_per_second: number; lattice_frames_drawn: number; stack_renders: number };
  /** An empty page's rAF interval in the same browser: the floor. */
  baseline: FrameTimes;
  /** page p95 ÷ baseline p95. */
  p95_ratio: number;
  bundle: { files: number; bytes: number; gzip_bytes: number };
  target: { p95_frame_ms: number; bundle_gzip_bytes: number };
  meets_target: boolean;
}

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

function summarize(intervals: number[]): FrameTimes {
  const sorted = [...intervals].sort((a, b) => a - b);
  return { frames: sorted.length, median_ms: quantile(sorted, 0.5), p95_ms: quantile(sorted, 0.95), max_ms: sorted[sorted.length - 1] ?? NaN };
}

/** Every built .js and .css file under `dir`, raw and gzip sizes. */
export function bundleSize(dir: string): { files: number; bytes: number; gzip_bytes: number } {
  let files = 0;
  let bytes = 0;
  let gzipBytes = 0;
  const walk = (path: string): void => {
    for (const name of readdirSync(path)) {
      const full = join(path, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (/\.(js|css|html)$/.test(name)) {
        const content = readFileSync(full);
        files++;
        bytes += content.length;
        gzipBytes += gzipSync(content, { level: 9 }).length;
      }
    }
  };
  walk(dir);
  return { files, bytes, gzip_bytes: gzipBytes };
}

/** Records rAF intervals for `ms` in the page (and long tasks), returns them. */
const RECORD_SCRIPT = `(ms) => new Promise((resolve) => {
  const intervals = [];
  let longTask = 0;
  let observer = null;
  try {
    observer = new PerformanceObserver((list) => { for (const entry of list.getEntries()) longTask += entry.duration; });
    observer.observe({ type: 'longtask', buffered: false });
  } catch {}
  let last = performance.now();
  const end = last + ms;
  const step = (t) => {
    intervals.push(t - last);
    last = t;
    if (t < end) requestAnimationFrame(step);
    else { observer?.disconnect(); resolve({ intervals, longTask }); }
  };
  requestAnimationFrame((t) => { last = t; requestAnimationFrame(step); });
})`;

/** The lattice caption's frame number, and the 3D view's render count. */
const FRAMES_DRAWN = `Number(document.getElementById('lattice-caption')?.textContent?.match(/frame (\\d+)/)?.[1] ?? 0)`;
const STACK_RENDERS = `Number(document.getElementById('stack')?.dataset.renderedFrames ?? 0)`;

export async function runClientBench(options: ClientBenchOptions = {}): Promise<ClientBenchResult> {
  const seconds = options.seconds ?? 10;
  const width = options.width ?? 1600;
  const height = options.height ?? 1000;
  const progress = options.onProgress ?? (() => {});
  if (!(seconds > 0 && seconds <= 600)) throw new RangeError(`--seconds must be in (0, 600], got ${seconds}`);
  const clientDir = fileURLToPath(new URL('../../client/', import.meta.url));
  const bundle = bundleSize(clientDir);
  const { chromium } = await import('playwright-core');
  progress('starting the server');
  const server = await startServer({ port: 0, host: '127.0.0.1', data: ':memory:', log: () => {} });
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  try {
    const context = await browser.newContext({ viewport: { width, height } });
    const baselinePage = await context.newPage();
    await baselinePage.setContent('<!doctype html><title>baseline</title><p>empty</p>');
    progress('measuring an empty page (baseline)');
    const baselineRun = (await baselinePage.evaluate(`(${RECORD_SCRIPT})(${Math.round(Math.min(seconds, 5) * 1000)})`)) as { intervals: number[] };
    await baselinePage.close();

    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    progress('opening the page');
    await page.goto(server.url);
    // (Browser-side code as strings: the server's build has no DOM types.)
    await page.waitForFunction("document.getElementById('connection')?.classList.contains('live')", undefined, { timeout: 30_000 });
    // Warm-up: frames, the first weights (the 3D view places units), plots.
    await page.waitForTimeout(6000);
    const framesBefore = (await page.evaluate(FRAMES_DRAWN)) as number;
    const rendersBefore = (await page.evaluate(STACK_RENDERS)) as number;
    progress(`measuring the page for ${seconds} s`);
    const run = (await page.evaluate(`(${RECORD_SCRIPT})(${Math.round(seconds * 1000)})`)) as { intervals: number[]; longTask: number };
    const framesAfter = (await page.evaluate(FRAMES_DRAWN)) as number;
    const rendersAfter = (await page.evaluate(STACK_RENDERS)) as number;
    if (options.screenshot) await page.screenshot({ path: options.screenshot, fullPage: false });
    if (errors.length > 0) throw new Error(`the page threw: ${errors.join('; ')}`);
    const pageTimes = summarize(run.intervals);
    const baseline = summarize(baselineRun.intervals);
    const result: ClientBenchResult = {
      seconds,
      viewport: { width, height },
      page: { ...pageTimes, long_task_ms_per_second: run.longTask / seconds, lattice_frames_drawn: framesAfter - framesBefore, stack_renders: rendersAfter - rendersBefore },
      baseline,
      p95_ratio: pageTimes.p95_ms / baseline.p95_ms,
      bundle,
      target: { p95_frame_ms: 16, bundle_gzip_bytes: 1_000_000 },
      meets_target: false,
    };
    result.meets_target = result.page.p95_ms < 16 + 1 && bundle.gzip_bytes < 1_000_000; // +1 ms: rAF intervals jitter around 16.7 ms at 60 Hz
    return result;
  } finally {
    await browser.close();
    await server.close();
  }
}
