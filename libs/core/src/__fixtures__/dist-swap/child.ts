// A child process for the kill tests of dist-swap.test.ts (bundled with esbuild, run by plain node):
//   node child.cjs write <outDir> <files.json>   writes the files ({"relative/path": "content"})
//   node child.cjs recover <outDir>              runs the recovery
// PLATFORM_TEST_KILL_AT=<checkpoint> makes it SIGKILL itself there. Prints the result as JSON.
import { readFileSync } from 'node:fs';
import { SynthError } from '../../errors';
import { recoverDist, writeDistAtomically } from '../../dist-swap';

const [op, outDir, filesJson] = process.argv.slice(2);
try {
  if (op === 'write') {
    const files = new Map(Object.entries(JSON.parse(readFileSync(filesJson, 'utf8')) as Record<string, string>));
    console.log(JSON.stringify(writeDistAtomically(outDir, files)));
  } else {
    console.log(JSON.stringify({ recovered: recoverDist(outDir) ?? null }));
  }
} catch (error) {
  if (!(error instanceof SynthError)) throw error;
  console.error(error.message);
  process.exitCode = 1;
}
