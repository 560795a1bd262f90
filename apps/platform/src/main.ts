import { relative, resolve } from 'node:path';
import { SynthError } from '@platform/core';
import { ClusterModule, synthesize } from './synth';

export interface MainOptions {
  /** Repository root. */
  readonly root: string;
  /** The cluster modules to render (the bundler imports every clusters/*.ts; tests pass their own). */
  readonly modules: readonly ClusterModule[];
  readonly argv: readonly string[];
}

const USAGE = 'usage: npm run synth [-- --out <dir>]';

/** The synth command. Returns the process exit code; never throws. */
export function main({ root, modules, argv }: MainOptions): number {
  let out = resolve(root, 'dist');
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--out' && argv[i + 1]) out = resolve(argv[++i]);
    else if (argv[i] === '--help' || argv[i] === '-h') {
      console.log(USAGE);
      return 0;
    } else {
      console.error(`synth: unknown argument ${JSON.stringify(argv[i])}\n${USAGE}`);
      return 2;
    }
  }
  const started = process.hrtime.bigint();
  try {
    // component.json paths always name the repository's dist/, wherever this run writes.
    const files = synthesize(modules, out);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    const clusters = new Set([...files.keys()].map((f) => f.split('/')[0]));
    console.log(
      `synth: ${files.size} files for ${clusters.size} clusters (${[...clusters].join(', ')}) written to ${relative(process.cwd(), out) || '.'} in ${ms.toFixed(0)} ms`,
    );
    return 0;
  } catch (error) {
    if (error instanceof SynthError) {
      console.error(
        `synth failed, ${relative(process.cwd(), out) || '.'} left untouched (${error.problems.length} problem${error.problems.length === 1 ? '' : 's'}):`,
      );
      for (const line of error.message.split('\n')) console.error(`  ${line}`);
    } else {
      console.error(`synth failed, ${relative(process.cwd(), out) || '.'} left untouched:`, error);
    }
    return 1;
  }
}
