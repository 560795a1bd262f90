import { relative, resolve } from 'node:path';
import { SynthError } from '@platform/core';
import { Flags, runCommand } from './cli-args';
import { ClusterModule, synthesize } from './synth';

export interface MainOptions {
  /** Repository root. */
  readonly root: string;
  /** The cluster modules to render (the bundler imports every clusters/*.ts; tests pass their own). */
  readonly modules: readonly ClusterModule[];
  readonly argv: readonly string[];
}

const USAGE = `usage: npm run synth [-- --out <dir>] [--charts-dir <dir>] [--crds-dir <dir>]
  --out <dir>         where to write (default: <root>/dist)
  --charts-dir <dir>  pinned chart sources (default: $PLATFORM_CHARTS_DIR, else ../shared/charts if it exists, else download into .cache/charts)
  --crds-dir <dir>    pinned upstream manifest files (default: $PLATFORM_CRDS_DIR, else ../shared/crds if it exists, else download into .cache/crds)`;

const SYNTH = {
  name: 'synth',
  usage: USAGE,
  options: { out: { type: 'string' }, 'charts-dir': { type: 'string' }, 'crds-dir': { type: 'string' } },
} as const;

/** The synth command. Resolves to the process exit code (0 done, 1 synth failed, 2 usage; cli-args.ts); never throws. */
export async function main({ root, modules, argv }: MainOptions): Promise<number> {
  return runCommand(SYNTH, argv, (flags) => synth(root, modules, flags));
}

async function synth(root: string, modules: readonly ClusterModule[], flags: Flags<typeof SYNTH.options>): Promise<number> {
  const out = resolve(flags.out ?? resolve(root, 'dist'));
  const shown = relative(process.cwd(), out) || '.';
  const started = process.hrtime.bigint();
  try {
    // component.json paths always name the repository's dist/, wherever this run writes.
    const result = await synthesize(modules, out, {
      root,
      chartsDir: flags['charts-dir'] && resolve(flags['charts-dir']),
      crdsDir: flags['crds-dir'] && resolve(flags['crds-dir']),
    });
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
