import { relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { SynthError } from '@platform/core';
import { ClusterModule, synthesize } from './synth';

export interface MainOptions {
  /** Repository root. */
  readonly root: string;
  /** The cluster modules to render (the bundler imports every clusters/*.ts; tests pass their own). */
  readonly modules: readonly ClusterModule[];
  readonly argv: readonly string[];
}

const USAGE = `usage: npm run synth [-- --out <dir>] [--charts-dir <dir>]
  --out <dir>         where to write (default: <root>/dist)
  --charts-dir <dir>  pinned chart sources (default: $PLATFORM_CHARTS_DIR, else ../shared/charts if it exists, else download into .cache/charts)`;

/** The synth command. Resolves to the process exit code (0 done, 1 synth failed, 2 usage); never throws. */
export async function main({ root, modules, argv }: MainOptions): Promise<number> {
  let flags;
  try {
    flags = parseArgs({
      args: [...argv],
      options: { out: { type: 'string' }, 'charts-dir': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    console.error(`synth: ${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
    return 2;
  }
  if (flags.help) {
    console.log(USAGE);
    return 0;
  }
  const out = resolve(flags.out ?? resolve(root, 'dist'));
  const shown = relative(process.cwd(), out) || '.';
  const started = process.hrtime.bigint();
  try {
    // component.json paths always name the repository's dist/, wherever this run writes.
    const result = await synthesize(modules, out, { root, chartsDir: flags['charts-dir'] && resolve(flags['charts-dir']) });
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    const clusters = [...new Set([...result.files.keys()].map((f) => f.split('/')[0]))];
    if (result.recovered) console.log(`synth: ${result.recovered}`);
    const charts = `charts: ${result.rendered} rendered, ${result.cached} from cache`;
    console.log(
      `synth: ${result.files.size} files for ${clusters.length} clusters (${clusters.join(', ')}) ${result.written ? 'written to' : 'unchanged in'} ${shown} in ${ms.toFixed(0)} ms (${charts})`,
    );
    return 0;
  } catch (error) {
    if (error instanceof SynthError) {
      console.error(`synth failed, ${shown} left untouched (${error.problems.length} problem${error.problems.length === 1 ? '' : 's'}):`);
      for (const line of error.message.split('\n')) console.error(`  ${line}`);
    } else {
      console.error(`synth failed, ${shown} left untouched:`, error);
    }
    return 1;
  }
}
