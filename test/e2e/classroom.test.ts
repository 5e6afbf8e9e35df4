/**
 * The classroom page in a real browser (Debian's chromium via playwright-core, software WebGL)
 * against a real server that records to a data file: a host and two students in separate
 * browser contexts.
 *  - the students join with the code and the host sees them;
 *  - in vote mode the students' proposals (their sliders) move the applied temperature;
 *  - in locked mode a student's change is refused and the page says so;
 *  - the host's pause stops the frames everyone sees;
 *  - the 3D view renders (pixels vary) and clicking a unit shows its receptive field;
 *  - replay: seeking to a time shows the lattice recorded at that time;
 *  - a phone-sized screen gets the page without sideways scrolling;
 *  - no console errors or uncaught page errors in any of it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../server/serve.js';
import { decodePayload } from '../../server/store/payload-codec.js';
import { openSqlite } from '../../server/store/sqlite.js';
import { asBytes, unpackLattice } from '../../shared/protocol/lattice-codec.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const builtIndex = fileURLToPath(new URL('../../dist/client/index.html', import.meta.url));
const HOST_TOKEN = 'classroom-e2e-host-token-0123456789';
const dataDir = mkdtempSync(join(tmpdir(), 'rgflow-classroom-'));
const dataFile = join(dataDir, 'classroom.sqlite');

let server: RunningServer;
let browser: Browser;
const contexts: BrowserContext[] = [];
const problems: string[] = [];
let host: Page;
let ann: Page;
let ben: Page;

async function open(url: string, viewport = { width: 1400, height: 900 }): Promise<Page> {
  const context = await browser.newContext({ viewport });
  contexts.push(context);
  const page = await context.newPage();
  const name = new URL(url).searchParams.get('nickname') ?? (url.includes('#host=') ? 'host' : 'page');
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`${name}: console error: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`${name}: page error: ${error.message}`));
  await page.goto(url);
  await page.waitForFunction(() => document.getElementById('connection')?.classList.contains('live'), undefined, { timeout: 30_000 });
  await page.waitForFunction(() => /frame \d+/.test(document.getElementById('lattice-caption')?.textContent ?? ''), undefined, { timeout: 30_000 });
  return page;
}

/** The lattice canvas as ±1 spins, read back from its pixels (spin up is the orange end). */
function latticeSpins(page: Page): Promise<number[]> {
  return page.evaluate(() => {
    const canvas = document.getElementById('lattice') as HTMLCanvasElement;
    const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    const spins: number[] = [];
    for (let i = 0; i < data.length; i += 4) spins.push(data[i]! > 128 ? 1 : -1);
    return spins;
  });
}

function frameNumber(page: Page): Promise<number> {
  return page.evaluate(() => Number(/frame (\d+)/.exec(document.getElementById('lattice-caption')?.textContent ?? '')?.[1] ?? -1));
}

beforeAll(async () => {
  if (!existsSync(builtIndex)) {
    execFileSync('npx', ['vite', 'build', '--config', 'client/vite.config.ts', '--logLevel', 'warn'], { cwd: repoRoot, stdio: 'inherit' });
  }
  server = await startServer({ port: 0, host: '127.0.0.1', seed: 4, data: dataFile, checkpointSeconds: 0, hostToken: HOST_TOKEN, log: () => undefined });
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  host = await open(`${server.url}/#host=${HOST_TOKEN}`);
  ann = await open(`${server.url}/?code=${server.code}&nickname=Ann`);
  ben = await open(`${server.url}/?code=${server.code}&nickname=Ben`);
});

afterAll(async () => {
  for (const context of contexts) await context.close().catch(() => undefined);
  await browser?.close();
  await server?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('classroom page', () => {
  it('students join with the code; the host sees who is here', async () => {
    await expect.poll(() => ann.textContent('#session-line')).toContain(`join code ${server.code}`);
    expect(await ann.textContent('#session-line')).toContain('Ann (student)');
    expect(await ann.isVisible('#host-panel')).toBe(false);
    expect(await host.isVisible('#host-panel')).toBe(true);
    await expect.poll(() => host.textContent('#host-panel'), { timeout: 10_000 }).toContain('Ann');
    expect(await host.textContent('#host-panel')).toContain('Ben');
    expect(await host.textContent('#host-panel')).toContain(server.code);
  });

  it("in vote mode the students' proposals move the applied temperature", async () => {
    await host.getByLabel('Vote', { exact: true }).check();
    await expect.poll(() => ann.textContent('#vote h2'), { timeout: 10_000 }).toBe('Temperature policy: Vote');
    // Ann proposes T = 4.0, Ben T = 3.8 (End, then down 20 steps of 0.01: a different value, so
    // Ben's slider moves even if Ann's proposal was applied, and his slider followed, meanwhile).
    await ann.focus('#temperature-slider');
    await ann.keyboard.press('End');
    await ben.focus('#temperature-slider');
    await ben.keyboard.press('End');
    for (let i = 0; i < 20; i++) await ben.keyboard.press('ArrowLeft');
    // The median of {4.0, 3.8} is applied at a tally (every 2 s), on every page.
    for (const page of [host, ann, ben]) await expect.poll(() => page.textContent('#temperature-value'), { timeout: 15_000 }).toBe('T = 3.900');
    await expect.poll(() => host.textContent('#vote figcaption'), { timeout: 5_000 }).toMatch(/^2 proposals/);
  });

  it("in locked mode a student's change is refused and the page says so", async () => {
    await host.getByLabel('Locked', { exact: true }).check();
    await expect.poll(() => ann.textContent('#vote h2'), { timeout: 10_000 }).toBe('Temperature policy: Locked');
    await ann.focus('#temperature-slider');
    await ann.keyboard.press('Home');
    await expect.poll(() => ann.textContent('#notice'), { timeout: 5_000 }).toContain('locked');
    await ann.waitForTimeout(1500);
    expect(await host.textContent('#temperature-value')).toBe('T = 3.900');
    await expect.poll(() => ann.textContent('#temperature-value'), { timeout: 5_000 }).toBe('T = 3.900');
  });

  it("the host's pause stops the frames everyone sees", async () => {
    await host.getByRole('button', { name: 'Pause', exact: true }).click();
    for (const page of [ann, ben]) await expect.poll(() => page.textContent('#lattice-caption'), { timeout: 10_000 }).toContain('(paused)');
    const before = await latticeSpins(ben);
    await ben.waitForTimeout(1000);
    expect(await latticeSpins(ben)).toEqual(before);
    await host.getByRole('button', { name: 'Resume', exact: true }).click();
    await expect.poll(() => ben.textContent('#lattice-caption'), { timeout: 10_000 }).not.toContain('(paused)');
    await expect.poll(async () => (await latticeSpins(ben)).join(''), { timeout: 10_000 }).not.toBe(before.join(''));
  });

  it('the 3D view renders, and clicking a unit shows its receptive field', async () => {
    // Weights arrive every 5 s: wait until the view has a network to place units by.
    await ann.waitForFunction(() => (window as unknown as { rgflow: { view: { network: unknown } } }).rgflow.view.network !== null, undefined, { timeout: 20_000 });
    const colours = await ann.evaluate(() => {
      const canvas = document.querySelector('#stack canvas') as HTMLCanvasElement;
      const copy = document.createElement('canvas');
      copy.width = 200;
      copy.height = 120;
      const context = copy.getContext('2d')!;
      context.drawImage(canvas, 0, 0, copy.width, copy.height);
      const data = context.getImageData(0, 0, copy.width, copy.height).data;
      const seen = new Set<number>();
      for (let i = 0; i < data.length; i += 4) seen.add((data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!);
      return seen.size;
    });
    expect(colours).toBeGreaterThan(20); // not a blank or one-colour canvas
    // Units glide to their receptive-field centres when a network arrives: wait until they rest.
    await ann.waitForFunction(() => document.getElementById('stack')?.dataset.animating === 'false', undefined, { timeout: 10_000 });
    // A unit of layer 1 that is in view and not hidden behind another (screenPositionOf checks the pick).
    const found = await ann.evaluate(() => {
      const { stack } = (window as unknown as { rgflow: { stack: { screenPositionOf: (s: unknown) => { x: number; y: number } | null } } }).rgflow;
      for (let unit = 0; unit < 400; unit++) {
        const point = stack.screenPositionOf({ layer: 1, unit });
        if (point) return { unit, point };
      }
      return null;
    });
    expect(found).not.toBeNull();
    const target = { layer: 1, unit: found!.unit };
    const point = found!.point;
    const box = (await ann.locator('#stack canvas').boundingBox())!;
    await ann.mouse.click(box.x + point!.x, box.y + point!.y);
    await expect.poll(() => ann.getAttribute('#stack', 'data-selected'), { timeout: 5_000 }).toBe(`1:${target.unit}`);
    expect(await ann.isVisible('#field-overlay')).toBe(true);
    const overlayColours = await ann.evaluate(() => {
      const canvas = document.getElementById('field-overlay') as HTMLCanvasElement;
      const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      const seen = new Set<number>();
      for (let i = 0; i < data.length; i += 4) seen.add((data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!);
      return seen.size;
    });
    expect(overlayColours).toBeGreaterThan(10); // a heatmap, not a flat fill
    expect(await ann.textContent('#selection-caption')).toContain(`unit ${target.unit} in layer 1`);
  });

  it('replay: seeking to a time shows the lattice recorded at that time', async () => {
    // Let the recording run past a keyframe (every 10 s), then pick a moment in it.
    await ben.waitForTimeout(3000);
    const sqlite = openSqlite(dataFile, { readonly: true, fileMustExist: true });
    let recordingId: string;
    let seekMs: number;
    let expected: number[];
    try {
      const recording = sqlite.prepare('SELECT id, duration_ms FROM recordings ORDER BY started_at DESC LIMIT 1').get() as { id: string; duration_ms: number };
      recordingId = recording.id;
      seekMs = Math.max(1000, Math.floor((recording.duration_ms * 0.6) / 1000) * 1000); // the timeline seeks in whole seconds
      const row = sqlite
        .prepare("SELECT payload FROM events WHERE recording_id = ? AND type = 'frame' AND t_ms <= ? ORDER BY seq DESC LIMIT 1")
        .get(recordingId, seekMs) as { payload: Uint8Array };
      const frame = decodePayload(row.payload) as { lattice: Uint8Array };
      expected = Array.from(unpackLattice(asBytes(frame.lattice), 40 * 40));
    } finally {
      sqlite.close();
    }
    await ben.locator('summary', { hasText: 'Recordings and replay' }).click();
    await ben.getByRole('button', { name: /^Watch / }).first().click();
    await expect.poll(() => ben.isVisible('#replay-banner'), { timeout: 10_000 }).toBe(true);
    const range = ben.getByLabel('Replay position');
    await range.evaluate((input, value) => {
      const slider = input as HTMLInputElement;
      slider.value = String(value);
      slider.dispatchEvent(new Event('input', { bubbles: true }));
      slider.dispatchEvent(new Event('change', { bubbles: true }));
    }, seekMs);
    await expect.poll(async () => (await latticeSpins(ben)).join(','), { timeout: 10_000 }).toBe(expected.join(','));
    // Live frames do not overwrite the replayed lattice while it is paused.
    await ben.waitForTimeout(800);
    expect((await latticeSpins(ben)).join(',')).toBe(expected.join(','));
    await ben.getByRole('button', { name: 'Back to live' }).click();
    await expect.poll(() => ben.isVisible('#replay-banner'), { timeout: 5_000 }).toBe(false);
    const liveFrame = await frameNumber(ben);
    await expect.poll(() => frameNumber(ben), { timeout: 5_000 }).toBeGreaterThan(liveFrame);
  });

  it('the exact-mapping panel computes the figures for a small system when opened', async () => {
    await host.locator('summary', { hasText: 'The exact mapping' }).click();
    await expect.poll(() => host.textContent('#mapping caption'), { timeout: 15_000 }).toMatch(/^ring:\d+, K = /);
    const table = (await host.textContent('#mapping table'))!;
    expect(table).toMatch(/Eq\. ?21/);
    expect(table).toMatch(/Eq\. ?22/);
    expect(table).toContain('KL');
  });

  it('fits a phone-sized screen without sideways scrolling', async () => {
    const phone = await open(`${server.url}/?code=${server.code}&nickname=Phone`, { width: 390, height: 844 });
    const overflow = await phone.evaluate(() => {
      const wide = [...document.querySelectorAll<HTMLElement>('body *')].filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1).map((el) => `${el.tagName}#${el.id}.${el.className}`);
      return { by: document.documentElement.scrollWidth - window.innerWidth, wide: wide.slice(0, 8) };
    });
    expect(overflow.by, JSON.stringify(overflow.wide)).toBeLessThanOrEqual(1);
    expect(await phone.isVisible('#stack canvas')).toBe(true);
    // Phones do not take the weight stream unless asked.
    expect(await phone.isChecked('#show-weights')).toBe(false);
  });

  it('logged no console errors or uncaught page errors', () => {
    expect(problems).toEqual([]);
  });
});
