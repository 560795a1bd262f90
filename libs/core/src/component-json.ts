/**
 * The component.json contract (docs/dist-contract.md), defined once for the writer (dist-writer.ts),
 * the contract check of `platform:validate` and the tests: its shape, the Argo CD projects and the
 * rule that ties `wave` to `dependsOn`. Plain zod and functions, no cdk8s, so that validate can
 * import this module without loading the construct libraries.
 */
import { z } from 'zod';
import { DNS1123_LABEL } from './validation';

/** The Argo CD projects components belong to; each restricts sources, destinations and kinds. */
export const PROJECTS = ['bootstrap', 'infrastructure', 'iam', 'observability', 'apps'] as const;
export type ProjectName = (typeof PROJECTS)[number];

const nonEmpty = z.string().min(1, 'must not be empty');

/** component.json. Strict: an unknown field is an error. */
export const ComponentJsonSchema = z.strictObject({
  /** Component name: its directory, ApplicationSet and Application. */
  name: z.string().regex(DNS1123_LABEL, 'must be a DNS-1123 label (lower-case letters, digits, "-", at most 63)'),
  /** Cluster name: the parent directory and the cluster file's name. */
  cluster: nonEmpty,
  /** Destination namespace of the Application. */
  namespace: z.string().regex(DNS1123_LABEL, 'must be a DNS-1123 label'),
  project: z.enum(PROJECTS),
  /** Greater than the wave of every entry of `dependsOn` (see deriveWaves). */
  wave: z.number().int().min(0),
  /** Components of the same cluster that must be healthy first. */
  dependsOn: z.array(nonEmpty),
  /** Provenance of the chart rendered into `manifests` (Argo CD never fetches it). */
  chart: z
    .strictObject({
      repoURL: nonEmpty,
      chart: nonEmpty,
      version: nonEmpty,
      digest: z.string().regex(/^[0-9a-f]{64}$/, 'must be the sha256 of the chart tree (64 lower-case hex digits)'),
      releaseName: nonEmpty,
      valuesFile: nonEmpty,
    })
    .optional(),
  /**
   * Provenance of the pinned upstream manifest files (plain YAML, libs/crds/crd-sources.json) synth
   * read into `manifests`: repository, tag, and each file's path in the CRD dir, URL and sha256.
   */
  upstreamFiles: z
    .strictObject({
      repo: nonEmpty,
      tag: nonEmpty,
      files: z
        .array(
          z.strictObject({
            path: nonEmpty,
            url: z.string().url('must be the upstream URL of the file'),
            sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be the sha256 of the file (64 lower-case hex digits)'),
          }),
        )
        .min(1, 'must list the files delivered'),
    })
    .optional(),
  /** A pinned git source instead of rendered manifests (synth does not write it). */
  git: z.strictObject({ repoURL: nonEmpty, path: nonEmpty, revision: nonEmpty }).optional(),
  /** The one source of the component's Application (absent when it renders no object). */
  manifests: nonEmpty.optional(),
  syncOptions: z.array(nonEmpty),
});
export type ComponentJson = z.output<typeof ComponentJsonSchema>;

/** A component as far as waves go: synth's Component, or a component.json of dist. */
export interface WaveNode {
  readonly name: string;
  /** The components it waits for (a name given twice counts once). */
  readonly dependsOn: readonly string[];
  /** The least wave it may have: the declared `wave` of a component, `wave` of a component.json. */
  readonly minWave?: number;
}

/** What is wrong with the waves of one component; `field` is `dependsOn` or `wave`. */
export interface WaveProblem {
  readonly component: string;
  readonly field: 'dependsOn' | 'wave';
  readonly rule: 'dependency-cycle' | 'unknown-dependency' | 'wave-order' | 'invalid-wave';
  readonly message: string;
}

/**
 * Each component's wave: at least its minimum, and one more than every dependency's wave. A
 * dependency that is not one of `nodes` (the message says to add it to `where`), a cycle, and a
 * minimum that is not an integer ≥ 0 or not greater than a dependency's wave are problems.
 */
export function deriveWaves(nodes: readonly WaveNode[], where: string): { waves: Map<string, number>; problems: WaveProblem[] } {
  const problems: WaveProblem[] = [];
  const byName = new Map(nodes.map((c) => [c.name, c]));
  const waves = new Map<string, number>();
  const visiting: string[] = [];

  const visit = (c: WaveNode): number => {
    const known = waves.get(c.name);
    if (known !== undefined) return known;
    if (visiting.includes(c.name)) {
      const cycle = [...visiting.slice(visiting.indexOf(c.name)), c.name].join(' → ');
      problems.push({
        component: c.name,
        field: 'dependsOn',
        rule: 'dependency-cycle',
        message: `dependency cycle ${cycle}: waves need an order, remove one of these dependencies`,
      });
      return 0;
    }
    visiting.push(c.name);
    let required = 0;
    for (const dep of new Set(c.dependsOn)) {
      const target = byName.get(dep);
      if (!target) {
        problems.push({
          component: c.name,
          field: 'dependsOn',
          rule: 'unknown-dependency',
          message: `needs component "${dep}", which this cluster does not include; add it to ${where} (components: ${[...byName.keys()].sort().join(', ')})`,
        });
        continue;
      }
      const depWave = visit(target);
      required = Math.max(required, depWave + 1);
      if (c.minWave !== undefined && c.minWave <= depWave) {
        problems.push({
          component: c.name,
          field: 'wave',
          rule: 'wave-order',
          message: `got ${c.minWave}, but it depends on "${dep}" (wave ${depWave}): its wave must be greater than ${depWave}`,
        });
      }
    }
    visiting.pop();
    const wave = Math.max(required, c.minWave ?? 0);
    waves.set(c.name, wave);
    return wave;
  };

  for (const c of nodes) {
    if (c.minWave !== undefined && (!Number.isInteger(c.minWave) || c.minWave < 0)) {
      problems.push({ component: c.name, field: 'wave', rule: 'invalid-wave', message: `got ${c.minWave}, a wave is an integer ≥ 0` });
    }
    visit(c);
  }
  return { waves, problems };
}
