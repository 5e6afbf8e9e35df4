// Builds rgflow's native SGEMM addon (native/build/Release/rgflow_native.node) with node-gyp.
// Plain JavaScript because it runs during `npm ci`, before the TypeScript build exists.
//
// It never fails the install: without a C++ compiler, Node headers or node-gyp it prints one
// warning line and exits 0, and the `native` backend then reports itself unavailable (the
// full node-gyp log is kept in native/build/last-build.log). Skips the build when the addon
// is newer than every source. RGFLOW_SKIP_NATIVE=1 skips it altogether; --force rebuilds.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const addon = join(here, 'build', 'Release', 'rgflow_native.node');
const log = join(here, 'build', 'last-build.log');
const require = createRequire(import.meta.url);
const started = Date.now();

function warn(reason) {
  process.stderr.write(`rgflow: native backend not built (${reason}); the js/wasm backends still work\n`);
  process.exit(0);
}

/** node-gyp: the devDependency, else the copy npm bundles (npm tells its scripts where). */
function findNodeGyp() {
  try {
    return require.resolve('node-gyp/bin/node-gyp.js');
  } catch {
    // not installed (npm ci --omit=dev)
  }
  const candidates = [process.env.npm_config_node_gyp];
  if (process.env.npm_execpath) candidates.push(join(dirname(process.env.npm_execpath), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  return candidates.find((p) => p && existsSync(p)) ?? null;
}

/** A directory with include/node/node_api.h for this Node, so node-gyp needs no download. */
function findNodeDir() {
  if (process.env.npm_config_nodedir) return process.env.npm_config_nodedir;
  const prefix = dirname(dirname(process.execPath));
  return existsSync(join(prefix, 'include', 'node', 'node_api.h')) ? prefix : null;
}

function newestSource() {
  const files = [join(here, 'binding.gyp'), ...readdirSync(join(here, 'src')).map((f) => join(here, 'src', f))];
  return Math.max(...files.map((f) => statSync(f).mtimeMs));
}

if (process.env.RGFLOW_SKIP_NATIVE === '1') warn('RGFLOW_SKIP_NATIVE=1');
const force = process.argv.includes('--force');
if (!force && existsSync(addon) && statSync(addon).mtimeMs > newestSource()) process.exit(0);

const nodeGyp = findNodeGyp();
if (!nodeGyp) warn('node-gyp not found');
const nodeDir = findNodeDir();
const args = [nodeGyp, 'rebuild', '--release', '--jobs', 'max', ...(nodeDir ? [`--nodedir=${nodeDir}`] : [])];
const run = spawnSync(process.execPath, args, { cwd: here, encoding: 'utf8', timeout: 300_000 });
mkdirSync(dirname(log), { recursive: true });
writeFileSync(log, `${process.execPath} ${args.join(' ')}\n\n${run.stdout ?? ''}\n${run.stderr ?? ''}\n${run.error ?? ''}\n`);
if (run.status !== 0 || !existsSync(addon)) {
  const output = `${run.stderr ?? ''}\n${run.stdout ?? ''}`;
  const reason = run.error
    ? String(run.error.message)
    : /Could not find any Python/.test(output)
      ? 'node-gyp found no Python'
      : /Error 127|(make|g\+\+|c\+\+|cc): (Command )?not found|not found: (make|g\+\+|c\+\+)/i.test(output)
        ? 'no C++ toolchain'
        : /node_api\.h|common\.gypi|download/i.test(output)
          ? 'no Node headers'
          : 'compile failed';
  warn(`${reason}; see native/build/last-build.log`);
}

try {
  const binding = require(addon);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  process.stderr.write(`rgflow: native backend built (kernels: ${binding.kernels().join(', ')}) in ${seconds} s\n`);
} catch (error) {
  warn(`built but does not load: ${error instanceof Error ? error.message : String(error)}`);
}
