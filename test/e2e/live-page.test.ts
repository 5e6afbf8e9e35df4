/**
 * The live page in a real browser (Debian's chromium through playwright-core) against a real
 * server: the canvas shows a lattice that changes between frames, the exact values appear,
 * moving the temperature slider with the keyboard changes the server's temperature (seen by
 * another client and by the engine), and the page logs no console or page errors.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../server/serve.js';
import { CRITICAL_TEMPERATURE } from '../../shared/physics/ising.js';
import { connectClient, nextEvent, type LiveClient } from '../helpers/live-client.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const builtIndex = fileURLToPath(new URL('../../dist/client/index.html', import.meta.url));

let server: RunningServer;
let browser: Browser;
let page: Page;
let watcher: LiveClient | null = null;
const problems: string[] = [];

/** The canvas's pixels (as a PNG data URL) and size, for comparing two moments. */
function canvasPixels(target: Page): Promise<{ width: number; height: number; data: string }> {
  return target.evaluate(() => {
    const canvas = document.getElementById('lattice') as HTMLCanvasElement;
    return { width: canvas.width, height: canvas.height, data: canvas.toDataURL() };
  });
}

beforeAll(async () => {
  if (!existsSync(builtIndex)) {
    execFileSync('npx', ['vite', 'build', '--config', 'client/vite.config.ts', '--logLevel', 'warn'], { cwd: repoRoot, stdio: 'inherit' });
  }
  server = await startServer({ port: 0, host: '127.0.0.1', seed: 3, log: () => undefined });
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on('console', (message) => {
    // SwiftShader (--disable-gpu) notes a "GPU stall due to ReadPixels" on any page's first WebGL draw: a driver note, not the page's.
    if (/GPU stall due to ReadPixels/.test(message.text())) return;
    if (message.type() === 'error' || message.type() === 'warning') problems.push(`console ${message.type()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  await page.goto(server.url);
});

afterAll(async () => {
  watcher?.disconnect();
  await browser?.close();
  await server?.close();
});

describe('live page', () => {
  it('draws the lattice and redraws it as frames arrive', async () => {
    await page.waitForFunction(() => document.getElementById('connection')?.textContent === 'live');
    await page.waitForFunction(() => /frame \d+/.test(document.getElementById('lattice-caption')?.textContent ?? ''));
    const first = await canvasPixels(page);
    expect([first.width, first.height]).toEqual([40, 40]);
    await page.waitForTimeout(400);
    const second = await canvasPixels(page);
    expect(second.data).not.toBe(first.data);
  });

  it('shows the temperature, the exact energy and Onsager’s magnetization', async () => {
    await expect.poll(() => page.textContent('#temperature-value')).toBe('T = 2.451');
    await expect.poll(() => page.textContent('#energy-exact')).toMatch(/^−1\.\d{4}$/);
    await expect.poll(() => page.textContent('#energy-measured'), { timeout: 5000 }).toMatch(/±/);
    expect(await page.textContent('#magnetization-exact')).toContain('0');
    const tcLeft = await page.$eval('#tc-mark', (mark) => (mark as HTMLElement).style.left);
    expect(parseFloat(tcLeft)).toBeCloseTo((100 * (CRITICAL_TEMPERATURE - 1)) / 3, 3);
  });

  it('moves the server’s temperature when the slider is moved with the keyboard', async () => {
    watcher = connectClient(server.url);
    await nextEvent(watcher, 'welcome');
    const changes: number[] = [];
    watcher.on('temperature', (state) => changes.push(state.temperature));

    await page.focus('#temperature-slider');
    await page.keyboard.press('Home');
    await expect.poll(() => changes.at(-1), { timeout: 3000 }).toBe(1);
    await expect.poll(() => page.textContent('#temperature-value')).toBe('T = 1.000');
    expect(await page.textContent('#temperature-changed-by')).toBe('set by you');
    await expect.poll(() => page.textContent('#magnetization-exact')).toMatch(/^0\.99\d{2}$/);

    for (let i = 0; i < 5; i++) await page.keyboard.press('ArrowRight');
    await expect.poll(() => changes.at(-1), { timeout: 3000 }).toBeCloseTo(1.05, 10);
    await expect.poll(() => page.getAttribute('#temperature-slider', 'aria-valuetext')).toBe('T = 1.05, below the critical temperature');
  });

  it('follows a temperature set by another client', async () => {
    await watcher!.timeout(3000).emitWithAck('proposeTemperature', { temperature: 3.5 });
    await expect.poll(() => page.textContent('#temperature-value')).toBe('T = 3.500');
    expect(await page.textContent('#temperature-changed-by')).toBe('set by another viewer');
    await expect.poll(() => page.inputValue('#temperature-slider'), { timeout: 2000 }).toBe('3.5');
  });

  it('logged no console errors or page errors', () => {
    expect(problems).toEqual([]);
  });
});
