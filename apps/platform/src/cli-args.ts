/**
 * The command line of the platform CLIs (synth, validate, diff, bench), one convention for all:
 * flags parsed by node:util parseArgs (strict, no positional arguments, `--flag value` or
 * `--flag=value`); exit code 0 when the command succeeds, 1 when it fails, 2 for a usage error.
 * `--help`/`-h` prints the usage to stdout (exit 0). An unknown flag, a flag without its value (or
 * with an empty one) and a value a command rejects print `<command>: <what is wrong>` and the usage
 * to stderr (exit 2).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

type Options = NonNullable<ParseArgsConfig['options']>;

const HELP = { help: { type: 'boolean', short: 'h' } } as const;

/** The flags parseArgs returns for `options` (and `help`). */
export type Flags<O extends Options> = ReturnType<
  typeof parseArgs<{ args: string[]; options: O & typeof HELP; strict: true; allowPositionals: false }>
>['values'];

export interface Command<O extends Options> {
  /** The name messages start with: `validate: ...`. */
  readonly name: string;
  /** Printed for --help, and after every usage error. */
  readonly usage: string;
  /** The flags, as node:util parseArgs takes them; `--help`/`-h` is added. */
  readonly options: O;
}

/** A bad command line: exit code 2. A command throws it for a flag value it rejects. */
export class UsageError extends Error {}

const isParseArgsError = (error: unknown): error is Error =>
  error instanceof Error && String((error as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS_');

/** The flags of `argv`, or 'help'. Throws a UsageError for a bad command line. */
export function parseFlags<const O extends Options>(command: Command<O>, argv: readonly string[]): Flags<O> | 'help' {
  let values: Record<string, unknown>;
  try {
    values = parseArgs({ args: [...argv], options: { ...command.options, ...HELP }, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw isParseArgsError(error) ? new UsageError(error.message) : error;
  }
  if (values.help) return 'help';
  for (const [name, value] of Object.entries(values))
    if (value === '' || (Array.isArray(value) && value.includes(''))) throw new UsageError(`Option '--${name} <value>' argument is empty`);
  return values as Flags<O>;
}

/**
 * Runs a command by the convention: parses `argv`, prints the usage for --help (0) or a usage
 * error (2, also when `run` throws a UsageError), else returns what `run` returns. Other errors
 * are `run`'s to handle.
 */
export async function runCommand<const O extends Options>(
  command: Command<O>,
  argv: readonly string[],
  run: (flags: Flags<O>) => number | Promise<number>,
): Promise<number> {
  try {
    const flags = parseFlags(command, argv);
    if (flags === 'help') {
      console.log(command.usage);
      return 0;
    }
    return await run(flags);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`${command.name}: ${error.message}\n${command.usage}`);
    return 2;
  }
}
