/**
 * Synth errors. Every problem names where it comes from (the cluster file), the field path, the
 * value received and what is allowed, so a user can fix it without reading our code.
 */
export interface Problem {
  /** The cluster file the problem comes from, relative to the repository root (`clusters/dev.ts`). */
  readonly file: string;
  /** Dotted field path inside that file's definition (`spec.network.podCidr`, `components.argocd.replicas`). */
  readonly path: string;
  /** What is wrong and what is allowed. */
  readonly message: string;
}

export function formatProblem(p: Problem): string {
  return `${p.file}: ${p.path}: ${p.message}`;
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
