import type { IConstruct } from 'constructs';

/**
 * Synth errors. Every problem names where it comes from (the cluster file), the field path, the
 * value received and what is allowed, so a user can fix it without reading our code.
 */
export interface Problem {
  /**
   * The cluster file the problem comes from, relative to the repository root (`clusters/dev.ts`).
   * Empty when the code that found the problem does not know it: composeCluster fills it in.
   */
  readonly file: string;
  /** Dotted field path inside that file's definition (`spec.network.podCidr`, `components.argocd.replicas`); empty for the file as a whole. */
  readonly path: string;
  /** What is wrong and what is allowed. */
  readonly message: string;
}

/** `<file>: <path>: <message>`, leaving out what is empty. */
export function formatProblem(p: Problem): string {
  return [p.file, p.path, p.message].filter((part) => part !== '').join(': ');
}

/** Thrown when a cluster cannot be synthesized; carries every problem found, not just the first. */
export class SynthError extends Error {
  constructor(readonly problems: readonly Problem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.name = 'SynthError';
  }
}

/** Renders a received value for an error message: JSON, truncated. */
export function showValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** The message of anything thrown (an Error's message, else the value itself). */
export function thrownMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return typeof error === 'string' ? error : showValue(error);
}

/**
 * A construct that collects the problems of the constructs under it instead of letting the first
 * one stop the cluster (the Platform: composeCluster throws them all once every component exists).
 */
export interface ProblemSink extends IConstruct {
  readonly [PROBLEM_SINK]: true;
  /** The cluster file named in every problem. */
  readonly file: string;
  report(problem: Problem): void;
}

/** Marks a ProblemSink (a symbol, so core needs no import of the Platform here). */
export const PROBLEM_SINK: unique symbol = Symbol.for('@platform/core.problem-sink');

function isProblemSink(c: IConstruct): c is ProblemSink {
  return (c as Partial<ProblemSink>)[PROBLEM_SINK] === true;
}

/**
 * Reports a problem of the construct `scope` at `field` (`replicas`, `issuers[0].solver`), with the
 * path of `scope` in its cluster: `components.<component>[.<child>...].<field>`. The construct goes
 * on (render what you can), so one synth lists the problems of every component; composeCluster
 * throws them all. Outside a cluster (a bare cdk8s Chart in a unit test) it throws a SynthError at once.
 */
export function reportProblem(scope: IConstruct, field: string, message: string): void {
  const scopes = scope.node.scopes;
  let i = scopes.length - 1;
  while (i >= 0 && !isProblemSink(scopes[i])) i--;
  const ids = scopes
    .slice(i + 1)
    .map((s) => s.node.id)
    .filter((id) => id !== '');
  const path = [...(i >= 0 ? ['components'] : []), ...ids, ...(field ? [field] : [])].join('.');
  if (i < 0) throw new SynthError([{ file: '', path, message }]);
  const sink = scopes[i] as ProblemSink;
  sink.report({ file: sink.file, path, message });
}
