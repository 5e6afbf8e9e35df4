/**
 * The rgflow command line (the stable surface that tests and users script against).
 * Commands: serve, sample, train, reproduce, flow1d, flow2d, mapping, bench. Every command takes --json: one JSON object on stdout;
 * progress and logs go to stderr. Exit codes: 0 ok, 1 runtime failure, 2 bad usage.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { UsageError } from './errors.js';
import { createProgress } from './progress.js';
import { formatSampleSummary, formatBench } from './format.js';
import { registerFlow1d } from './flow1d.js';
import { registerMapping } from './mapping.js';
import { registerFlow2d } from './flow2d.js';
import { integerArg, numberArg } from './args.js';



/** Parses a comma-separated list of integers, e.g. "1600,400,100,25". */
function integerListArg(value: string): number[] {
  const parts = value.split(',').map((p) => p.trim());
  if (parts.some((p) => p === '')) throw new InvalidArgumentError(`not a comma-separated list of integers: '${value}'`);
  return parts.map(integerArg);
}

/** One integer, or a comma-separated list of them (epochs per layer). */
function integerOrListArg(value: string): number | number[] {
  return value.includes(',') ? integerListArg(value) : integerArg(value);
}

/** Runs `work` with an AbortSignal that fires on Ctrl-C (SIGINT) or SIGTERM. */
async function withInterrupt<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const abort = () => controller.abort();
  process.once('SIGINT', abort);
  process.once('SIGTERM', abort);
  try {
    return await work(controller.signal);
  } finally {
    process.off('SIGINT', abort);
    process.off('SIGTERM', abort);
  }
}

function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

function buildProgram(): Command {
  const program = new Command();
  program
    .name('rgflow')
    .description('A live laboratory for the exact mapping between variational RG and deep learning (Mehta & Schwab 2014).')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s), writeOut: (s) => process.stdout.write(s) })
    .showHelpAfterError('(run with --help for usage)');

  program
    .command('serve')
    .description('serve the live laboratory: a default session streaming to every browser that opens the page')
    .addOption(new Option('--port <n>', 'TCP port (0 = any free port)').argParser(integerArg).env('PORT').default(3000))
    .option('--host <address>', 'address to listen on', '0.0.0.0')
    .option('--L <n>', 'lattice size of the default session (even)', integerArg, 40)
    .option('--beta <K>', 'initial coupling K = J/k_BT of the default session', numberArg, 0.408)
    .addOption(new Option('--algorithm <name>', 'Monte Carlo update of the default session').choices(['metropolis', 'wolff', 'metropolis-byte']).default('metropolis'))
    .option('--seed <n>', 'random seed of the default session', integerArg, 1)
    .option('--frame-rate <hz>', 'lattice frames broadcast per second', numberArg, 15)
    .option('--sweeps-per-second <n>', 'simulation rate of the default session', numberArg, 1000)
    .option('--allow-origin <origin...>', 'browser origins allowed besides the server\'s own host')
    .addOption(new Option('--data <file>', "SQLite data file: sessions, recordings, checkpoints (':memory:' keeps nothing)").env('RGFLOW_DATA').default('./data/rgflow.sqlite'))
    .option('--checkpoint-seconds <s>', 'seconds between engine checkpoints (0: only at shutdown)', numberArg, 30)
    .addOption(new Option('--host-token <token>', 'host token of the default session (16–256 visible ASCII characters)').env('RGFLOW_HOST_TOKEN'))
    .option('--redis <url>', 'run as one node of a cluster through Redis (redis:// or rediss://): shared rooms, each session on exactly one node, taken over when its node stops; every node opens the same --data file')
    .option('--node-id <name>', 'with --redis: this node\'s name in leases and logs (1–64 of A–Z a–z 0–9 _ -; default random)')
    .option('--json', 'print {url, port, code, data} as JSON on stdout once listening')
    .action(async (opts) => {
      if (opts.port < 0 || opts.port > 65535) throw new UsageError(`--port must be in 0..65535, got ${opts.port}`);
      if (!(opts.checkpointSeconds >= 0 && opts.checkpointSeconds <= 86_400)) throw new UsageError(`--checkpoint-seconds must be in [0, 86400], got ${opts.checkpointSeconds}`);
      if (typeof opts.data !== 'string' || opts.data.trim() === '') throw new UsageError('--data must name a file');
      const { startServer, runUntilSignal } = await import('../serve.js');
      const { resolveEngineConfig } = await import('../engine/engine-config.js');
      const session = { L: opts.L, coupling: opts.beta, algorithm: opts.algorithm, seed: opts.seed, frameRate: opts.frameRate, sweepsPerSecond: opts.sweepsPerSecond };
      try {
        resolveEngineConfig(session);
      } catch (error) {
        throw new UsageError(error instanceof Error ? error.message : String(error));
      }
      const hostToken = opts.hostToken === '' ? undefined : (opts.hostToken as string | undefined);
      if (hostToken !== undefined) {
        const { hostTokenProblem } = await import('../sessions/tokens.js');
        const problem = hostTokenProblem(hostToken);
        if (problem) throw new UsageError(`--host-token: ${problem}`);
      }
      if (opts.redis !== undefined) {
        const { validateRedisUrl } = await import('../scale/redis-adapter.js');
        try {
          validateRedisUrl(opts.redis);
        } catch (error) {
          throw new UsageError(error instanceof Error ? error.message : String(error));
        }
      }
      if (opts.nodeId !== undefined && !/^[A-Za-z0-9_-]{1,64}$/.test(opts.nodeId)) throw new UsageError(`--node-id must be 1–64 of A–Z a–z 0–9 _ -, got '${opts.nodeId}'`);
      if (opts.nodeId !== undefined && opts.redis === undefined) throw new UsageError('--node-id needs --redis');
      const server = await startServer({
        port: opts.port,
        nodeId: opts.nodeId,
        host: opts.host,
        ...session,
        allowedOrigins: opts.allowOrigin,
        data: opts.data,
        checkpointSeconds: opts.checkpointSeconds,
        hostToken,
        redis: opts.redis,
      });
      if (opts.json) printJson({ url: server.url, port: server.port, code: server.code, data: server.data, resumed: server.resumed });
      await runUntilSignal(server);
    });

  program
    .command('sample')
    .description('sample the 2D Ising model and write decorrelated configurations to a NumPy .npy file')
    .option('--L <n>', 'linear lattice size (N = L² spins)', integerArg, 40)
    .option('--beta <K>', 'coupling K = J/k_BT (K_c ≈ 0.440687)', numberArg, 0.408)
    .option('--samples <n>', 'number of stored configurations', integerArg, 20000)
    .addOption(new Option('--algorithm <name>', 'Monte Carlo update: metropolis (multi-spin) | wolff | metropolis-byte').default('metropolis'))
    .option('--seed <n>', 'random seed', integerArg, 1)
    .option('--field <H>', 'dimensionless field H = h/k_BT (metropolis only)', numberArg)
    .option('--out <file>', 'write samples here as .npy (uint8, shape [samples, L*L], 1 = up)')
    .option('--json', 'print a JSON summary on stdout')
    .action(async (opts) => {
      const { runSample } = await import('./sample.js');
      const progress = createProgress();
      const summary = await runSample(
        { L: opts.L, beta: opts.beta, samples: opts.samples, algorithm: opts.algorithm, seed: opts.seed, field: opts.field, out: opts.out },
        { progress: (message, fraction) => progress.update(message, fraction) },
      );
      progress.done();
      if (opts.json) printJson(summary);
      else process.stdout.write(formatSampleSummary(summary));
    });

  program
    .command('train')
    .description('train a stack of RBMs greedily (CD-k) on 0/1 samples from a .npy file and save the model (docs/model-format.md)')
    .requiredOption('--data <file>', 'samples .npy, shape [samples, N] of 0/1 (as `rgflow sample --out` writes)')
    .option('--layers <sizes>', 'units per layer, visible first (N = L²)', integerListArg, [1600, 400, 100, 25])
    .option('--epochs <n>', 'epochs per RBM: one count, or one per RBM as a list (200,200,200)', integerOrListArg, 200)
    .option('--batch <n>', 'minibatch rows', integerArg, 100)
    .option('--lr <epsilon>', 'learning rate ε', numberArg, 0.1)
    .option('--l1 <lambda>', 'L1 penalty on the weights', numberArg, 2e-4)
    .option('--l2 <lambda>', 'L2 penalty (weight decay) on the weights', numberArg, 0)
    .option('--k <n>', 'Gibbs steps of the negative phase (CD-k)', integerArg, 1)
    .option('--persistent', 'persistent contrastive divergence (PCD-k)', false)
    .option('--holdout <fraction>', 'fraction of rows (the last ones) held out for the free-energy gap', numberArg, 0.1)
    .option('--init-scale <sigma>', 'standard deviation of the initial weights (default 0.01)', numberArg)
    .option('--seed <n>', 'random seed (initial weights, minibatch order, Gibbs samples)', integerArg, 1)
    .option('--backend <name>', 'compute backend: auto | js | wasm | native | gpu', 'auto')
    .requiredOption('--out <dir>', 'model directory to write (atomically; an existing model there is replaced)')
    .option('--json', 'print a JSON summary on stdout')
    .action(async (opts) => {
      const { runTrain } = await import('./train.js');
      const progress = createProgress();
      const summary = await withInterrupt((signal) =>
        runTrain(
          {
            data: opts.data,
            layers: opts.layers,
            epochs: opts.epochs,
            batch: opts.batch,
            lr: opts.lr,
            l1: opts.l1,
            l2: opts.l2,
            k: opts.k,
            persistent: opts.persistent,
            holdout: opts.holdout,
            initScale: opts.initScale,
            seed: opts.seed,
            backend: opts.backend,
            out: opts.out,
          },
          { progress: (message, fraction) => progress.update(message, fraction), signal },
        ).finally(() => progress.done()),
      );
      if (opts.json) printJson(summary);
      else process.stdout.write(formatBench(summary));
    });

  program
    .command('reproduce')
    .description("reproduce the paper's Fig. 2C and 3B–E: sample K = 0.408, L = 40, train 1600-400-100-25, write figures and metrics.json")
    .requiredOption('--out <dir>', 'results directory (written atomically)')
    .option('--quick', '2,000 samples and 10 epochs per layer instead of 20,000 and 200', false)
    .addOption(new Option('--samples <n>', 'override the number of samples').argParser(integerArg).hideHelp())
    .addOption(new Option('--epochs <n>', 'override the epochs per layer').argParser(integerArg).hideHelp())
    .option('--seed <n>', 'random seed of sampling and training', integerArg, 1)
    .option('--backend <name>', 'compute backend: auto | js | wasm | native | gpu', 'auto')
    .option('--json', 'print a JSON summary on stdout')
    .action(async (opts) => {
      const { runReproduce } = await import('./reproduce.js');
      const progress = createProgress();
      const summary = await withInterrupt((signal) =>
        runReproduce(
          { out: opts.out, quick: opts.quick, samples: opts.samples, epochs: opts.epochs, seed: opts.seed, backend: opts.backend },
          { progress: (message, fraction) => progress.update(message, fraction), signal },
        ).finally(() => progress.done()),
      );
      if (opts.json) printJson(summary);
      else process.stdout.write(formatBench(summary));
    });

  registerFlow1d(program);
  registerMapping(program);
  registerFlow2d(program);

  program
    .command('bench')
    .description('measure performance: figures and ratios against a baseline measured in the same run')
    .argument('[target]', 'what to measure: ising | train | all (both), serve (a real server under N clients) or client (the page in headless Chromium)', 'all')
    .option('--seconds <s>', 'timing budget per measurement (ising default 1.5; train: per backend, default 12; serve: measurement window, default 20)', numberArg, 1.5)
    .option('--clients <n>', 'serve: socket.io clients in the default session', integerArg, 500)
    .option('--weight-clients <n>', 'serve: how many of them subscribe to weight snapshots, as the 3D view does (default: all)', integerArg)
    .option('--screenshot <file>', 'client: save a PNG of the page')
    .option('--json', 'print the figures as JSON on stdout')
    .action(async (target: string, opts, command: Command) => {
      const targets = ['ising', 'train', 'serve', 'client', 'all'];
      if (!targets.includes(target)) throw new UsageError(`unknown bench target '${target}' (expected ${targets.join(' | ')})`);
      if (!(opts.seconds > 0 && opts.seconds <= 600)) throw new UsageError(`--seconds must be in (0, 600], got ${opts.seconds}`);
      const explicitSeconds = command.getOptionValueSource('seconds') !== 'default';
      const progress = createProgress();
      const result: Record<string, unknown> = {};
      try {
        if (target === 'ising' || target === 'all') {
          const { runIsingBench } = await import('../bench/ising-bench.js');
          result.ising = await runIsingBench({ seconds: opts.seconds, onProgress: (m) => progress.update(m, 0) });
        }
        if (target === 'serve') {
          if (!(opts.clients >= 1 && opts.clients <= 5000)) throw new UsageError(`--clients must be in [1, 5000], got ${opts.clients}`);
          if (opts.weightClients !== undefined && !(opts.weightClients >= 0 && opts.weightClients <= opts.clients)) {
            throw new UsageError(`--weight-clients must be in [0, ${opts.clients}], got ${opts.weightClients}`);
          }
          const { runServeBench } = await import('../bench/serve-bench.js');
          result.serve = await runServeBench({ clients: opts.clients, ...(opts.weightClients !== undefined ? { weightClients: opts.weightClients } : {}), ...(explicitSeconds ? { seconds: opts.seconds } : {}), onProgress: (m) => progress.update(m, 0) });
        }
        if (target === 'client') {
          const { runClientBench } = await import('../bench/client-bench.js');
          result.client = await runClientBench({ ...(explicitSeconds ? { seconds: opts.seconds } : {}), screenshot: opts.screenshot, onProgress: (m) => progress.update(m, 0) });
        }
        if (target === 'train' || target === 'all') {
          const { runTrainBench } = await import('../bench/train-bench.js');
          result.train = await runTrainBench({ ...(explicitSeconds ? { seconds: opts.seconds } : {}), onProgress: (m) => progress.update(m, 0) });
        }
      } finally {
        progress.done();
      }
      if (opts.json) printJson(result);
      else process.stdout.write(formatBench(result));
    });

  return program;
}

/** Runs the CLI with the given arguments (without `node` and the script); returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version exit with 0; every parse error is bad usage.
      return error.exitCode === 0 ? 0 : 2;
    }
    if (error instanceof UsageError) {
      process.stderr.write(`rgflow: ${error.message}\n`);
      return 2;
    }
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`rgflow: ${message}\n`);
    return 1;
  }
}
