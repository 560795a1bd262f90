/**
 * The Argo CD contract of dist/ (docs/dist-contract.md, DESIGN.md "The dist contract"):
 * every component directory is complete and consistent, upstream sources are pinned, waves agree
 * with dependencies, manifests are named after their object, the argocd component generates the
 * cluster's Applications and AppProjects restrict what they allow.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { z } from 'zod';
import { ComponentJsonSchema, deriveWaves, type ComponentJson, type WaveNode } from '@platform/core/component-json';
import { manifestFileNames } from '@platform/core/dist-writer';
import { showValue } from '@platform/core/errors';
import { formatPath } from '@platform/core/validation';
import type { DistCluster, DistComponent, Finding, ValidateContext } from './types';
import { isRecord } from './util';
import { asArray, asRecord, getPath, itemsOf, type Item } from './workloads';

/** Exact semver, optional leading v: no ranges, wildcards or tags like `latest`. */
const EXACT_VERSION = /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;
const COMMIT = /^[0-9a-f]{40}$/;
/**
 * A release tag carries a full version number (`26.0.0`, `v1.2.3`, `cilium-1.18.2`); branch names
 * (`main`, `HEAD`, `release-1.2`, `refs/heads/...`) do not.
 */
const RELEASE_TAG = /^(?!refs\/|release[-/])[A-Za-z0-9._/-]*\d+\.\d+\.\d+[A-Za-z0-9._+-]*$/;

const COMPONENT_FILES = new Set(['component.json', 'values.yaml', 'manifests', 'config']);

interface Component {
  readonly cluster: string;
  readonly name: string;
  /** Repository-relative directory. */
  readonly dir: string;
  readonly abs: string;
  readonly json?: ComponentJson;
  readonly loaded?: DistComponent;
}

export function checkContract(ctx: ValidateContext): Finding[] {
  const findings: Finding[] = [];
  const distRel = toPosix(relative(ctx.root, ctx.distDir)) || '.';
  for (const cluster of clusterNames(ctx)) {
    const components = componentsOf(ctx, cluster, findings);
    for (const c of components) checkComponent(ctx, c, findings);
    checkGraph(components, findings);
    checkArgocd(distRel, cluster, components, findings);
  }
  return findings;
}

// ---------------------------------------------------------------------------------------------
// Discovery: component directories on disk and in the loaded context

function clusterNames(ctx: ValidateContext): string[] {
  const names = new Set(ctx.clusters.map((c) => c.name));
  for (const dir of subdirectories(ctx.distDir)) names.add(dir);
  return [...names].sort();
}

function componentsOf(ctx: ValidateContext, cluster: string, findings: Finding[]): Component[] {
  const loaded = ctx.clusters.find((c: DistCluster) => c.name === cluster)?.components ?? [];
  const names = new Set([...loaded.map((c) => c.name), ...subdirectories(join(ctx.distDir, cluster))]);
  return [...names].sort().map((name) => {
    const fromCtx = loaded.find((c) => c.name === name);
    const abs = join(ctx.distDir, cluster, name);
    const dir = fromCtx?.dir ?? toPosix(relative(ctx.root, abs));
    const file = `${dir}/component.json`;
    const raw = fromCtx?.componentJson ?? readJson(join(abs, 'component.json'));
    const report = (rule: string, message: string, path?: string, hint?: string) =>
      findings.push(contractFinding(cluster, file, rule, message, path, hint));
    if (raw === undefined) {
      const exists = existsSync(join(abs, 'component.json'));
      report(
        exists ? 'invalid-component-json' : 'missing-component-json',
        exists ? `${file} is not valid JSON` : `${dir} has no component.json`,
        undefined,
        'Re-run synth: every component directory carries its component.json.',
      );
      return { cluster, name, dir, abs, loaded: fromCtx };
    }
    // reportInput: each issue carries the value it is about, for the message.
    const parsed = ComponentJsonSchema.safeParse(raw, { reportInput: true });
    if (!parsed.success) {
      for (const issue of parsed.error.issues) reportSchemaIssue(report, issue);
      return { cluster, name, dir, abs, loaded: fromCtx };
    }
    return { cluster, name, dir, abs, json: parsed.data, loaded: fromCtx };
  });
}

function reportSchemaIssue(report: (rule: string, message: string, path?: string, hint?: string) => void, issue: z.core.$ZodIssue): void {
  if (issue.code === 'unrecognized_keys') {
    for (const key of issue.keys) {
      const field = formatPath('', [...issue.path, key]);
      report(
        'unknown-field',
        `component.json: unknown field ${JSON.stringify(field)}; allowed: ${Object.keys(shapeAt(issue.path)).join(', ')}`,
        field,
      );
    }
    return;
  }
  const field = formatPath('', issue.path) || '(root)';
  report(
    'invalid-field',
    `component.json: ${field}: ${issue.message} (got ${showValue(issue.input)})`,
    field,
    'See docs/dist-contract.md for the fields of component.json.',
  );
}

function shapeAt(path: readonly PropertyKey[]): Record<string, unknown> {
  if (path[0] === 'chart') return ComponentJsonSchema.shape.chart.unwrap().shape;
  if (path[0] === 'git') return ComponentJsonSchema.shape.git.unwrap().shape;
  if (path[0] === 'upstreamFiles' && path.length > 2) return ComponentJsonSchema.shape.upstreamFiles.unwrap().shape.files.element.shape;
  if (path[0] === 'upstreamFiles') return ComponentJsonSchema.shape.upstreamFiles.unwrap().shape;
  return ComponentJsonSchema.shape;
}

// ---------------------------------------------------------------------------------------------
// One component

function checkComponent(ctx: ValidateContext, c: Component, findings: Finding[]): void {
  const file = `${c.dir}/component.json`;
  const report = (rule: string, message: string, path?: string, hint?: string) =>
    findings.push(contractFinding(c.cluster, file, rule, message, path, hint));
  checkDirectoryEntries(c, report);
  checkManifestFiles(c, findings);
  const json = c.json;
  if (!json) return;

  if (json.name !== c.name)
    report(
      'name-mismatch',
      `component.json: name ${JSON.stringify(json.name)} must equal its directory name ${JSON.stringify(c.name)}`,
      'name',
    );
  if (json.cluster !== c.cluster)
    report(
      'cluster-mismatch',
      `component.json: cluster ${JSON.stringify(json.cluster)} must equal its parent directory name ${JSON.stringify(c.cluster)}`,
      'cluster',
    );
  // Charts are rendered into manifests at synth (ADR 0004): `chart` is provenance, not a source.
  if (!json.git && !json.manifests)
    report(
      'empty-component',
      `component ${c.name} has no manifests${json.chart ? ' (its chart is provenance only: synth renders it into manifests/)' : ''}: its Application would deploy nothing`,
      'manifests',
    );

  const hasValues = existsSync(join(c.abs, 'values.yaml'));
  if (json.chart) {
    checkPath(ctx, json.chart.valuesFile, `${c.dir}/values.yaml`, 'chart.valuesFile', 'file', report);
    if (!hasValues)
      report(
        'missing-values',
        `component ${c.name} has a chart but ${c.dir}/values.yaml does not exist`,
        'chart',
        'Re-run synth: chart components carry their Helm values.',
      );
    if (!EXACT_VERSION.test(json.chart.version)) {
      report(
        'unpinned-chart-version',
        `chart ${json.chart.chart}: version ${JSON.stringify(json.chart.version)} is not an exact version; allowed: semver like 1.2.3 or v1.2.3 (no ranges, *, x, latest)`,
        'chart.version',
      );
    }
  } else if (hasValues) {
    report('unexpected-file', `${c.dir}/values.yaml exists but component.json has no chart to use it`, undefined);
  }
  if (json.git && !COMMIT.test(json.git.revision) && !RELEASE_TAG.test(json.git.revision)) {
    report(
      'unpinned-git-revision',
      `git ${json.git.repoURL}: revision ${JSON.stringify(json.git.revision)} is not pinned; allowed: a release tag (e.g. v1.2.3) or a 40-hex commit, not HEAD or a branch`,
      'git.revision',
    );
  }
  const hasManifests = existsSync(join(c.abs, 'manifests'));
  if (json.manifests) {
    checkPath(ctx, json.manifests, `${c.dir}/manifests`, 'manifests', 'directory', report);
  } else if (hasManifests) {
    report(
      'missing-path',
      `${c.dir}/manifests exists but component.json has no "manifests" field, so Argo CD would not deploy it`,
      'manifests',
    );
  }
}

function checkPath(
  ctx: ValidateContext,
  value: string,
  expected: string,
  field: string,
  type: 'file' | 'directory',
  report: (rule: string, message: string, path?: string) => void,
): void {
  if (isAbsolute(value) || value.split('/').includes('..')) {
    report(
      'invalid-path',
      `component.json: ${field} ${JSON.stringify(value)} must be relative to the repository root, without ".."`,
      field,
    );
    return;
  }
  const abs = resolve(ctx.root, value);
  const exists = existsSync(abs) && (type === 'file' ? statSync(abs).isFile() : statSync(abs).isDirectory());
  if (!exists) report('missing-path', `component.json: ${field} ${JSON.stringify(value)} does not exist (expected a ${type})`, field);
  else if (value !== expected)
    report('path-mismatch', `component.json: ${field} is ${JSON.stringify(value)}; must be ${JSON.stringify(expected)}`, field);
}

function checkDirectoryEntries(c: Component, report: (rule: string, message: string) => void): void {
  for (const entry of listDir(c.abs)) {
    if (!COMPONENT_FILES.has(entry))
      report(
        'unexpected-file',
        `${c.dir}/${entry} is not part of the contract; a component directory holds component.json, values.yaml, manifests/ and config/ (files for tools other than Argo CD)`,
      );
  }
}

/**
 * `manifests/`: lower-case `*.yaml` files, one object each, named as synth names them
 * (manifestFileNames of @platform/core: `<kind>-<name>.yaml`, `<kind>-<namespace>-<name>.yaml`
 * only when the same kind and name occur in several namespaces of the component).
 */
function checkManifestFiles(c: Component, findings: Finding[]): void {
  const dir = join(c.abs, 'manifests');
  const report = (file: string, rule: string, message: string, object?: string) =>
    findings.push({
      ...contractFinding(
        c.cluster,
        file,
        rule,
        message,
        undefined,
        'File names are <kind>-<name>.yaml, lower-case (<kind>-<namespace>-<name>.yaml when the same kind and name occur in several namespaces of the component); re-run synth.',
      ),
      object,
    });
  for (const entry of listDir(dir)) {
    const abs = join(dir, entry);
    const file = `${c.dir}/manifests/${entry}`;
    if (statSync(abs).isDirectory()) report(file, 'manifest-file-name', `${file} is a directory; manifests/ holds only *.yaml files`);
    else if (!/^[a-z0-9][a-z0-9._-]*\.yaml$/.test(entry))
      report(file, 'manifest-file-name', `${file}: file name must be lower-case [a-z0-9._-] and end in .yaml`);
  }
  const items = c.loaded ? itemsOf(c.loaded) : [];
  const perFile = new Map<string, Item[]>();
  for (const item of items) perFile.set(item.source.file, [...(perFile.get(item.source.file) ?? []), item]);
  for (const [file, objects] of perFile) {
    const count = Math.max(objects.length, ...objects.map((o) => o.source.documentCount ?? 1));
    if (count > 1)
      report(file, 'one-object-per-file', `${file} holds ${count} objects (${objects.map((o) => o.ref).join(', ')}); one object per file`);
  }
  // Objects defined twice are the schema check's duplicate-object; only the names matter here.
  const { names } = manifestFileNames(
    `${c.dir}/manifests`,
    c.name,
    items.map((i) => i.source.object),
  );
  items.forEach((item, i) => {
    if (basename(item.source.file) !== names[i])
      report(
        item.source.file,
        'manifest-name-mismatch',
        `${item.source.file} holds ${item.ref}; expected file name ${JSON.stringify(names[i])}`,
        item.ref,
      );
  });
}

// ---------------------------------------------------------------------------------------------
// Dependencies and waves

function checkGraph(components: readonly Component[], findings: Finding[]): void {
  const byName = new Map(components.map((c) => [c.name, c]));
  for (const c of components) {
    c.json?.dependsOn.forEach((dep, index) => {
      if (byName.has(dep)) return;
      findings.push(
        contractFinding(
          c.cluster,
          `${c.dir}/component.json`,
          'unknown-dependency',
          `component ${c.name} depends on ${JSON.stringify(dep)}, which is not a component of cluster ${c.cluster}; known: ${[...byName.keys()].join(', ')}`,
          `dependsOn[${index}]`,
        ),
      );
    });
  }
  // The waves synth derives (deriveWaves of @platform/core), each component.json's wave as the
  // minimum: a wave not greater than a dependency's, or a cycle, is what synth would reject.
  const nodes: WaveNode[] = components.flatMap((c) =>
    c.json ? [{ name: c.name, minWave: c.json.wave, dependsOn: c.json.dependsOn.filter((d) => byName.get(d)?.json) }] : [],
  );
  // Unknown dependencies are left out above, so `where` (what to add one to) is never shown.
  for (const problem of deriveWaves(nodes, 'the cluster').problems) {
    const c = byName.get(problem.component)!;
    findings.push(
      contractFinding(
        c.cluster,
        `${c.dir}/component.json`,
        problem.rule,
        `component.json: ${problem.field}: ${problem.message}`,
        problem.field,
        problem.rule === 'dependency-cycle'
          ? 'Break the cycle: a component cannot wait for itself.'
          : 'Waves are derived from dependsOn: re-run synth, or fix the dependency.',
      ),
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Argo CD: the ApplicationSets that generate the components' Applications, AppProject restrictions

/**
 * Every component but argocd (which the bootstrap Application `argocd` manages) is generated by an
 * ApplicationSet of the argocd component: a git files generator over its own component.json (one
 * ApplicationSet per component, ADR 0004) or over all of the cluster's (`<cluster>/<any>/component.json`).
 */
function checkArgocd(distRel: string, cluster: string, components: readonly Component[], findings: Finding[]): void {
  const prefix = `${distRel === '.' ? '' : `${distRel}/`}${cluster}`;
  const wildcard = `${prefix}/*/component.json`;
  const argocd = components.find((c) => c.name === 'argocd');
  const items = components.flatMap((c) => (c.loaded ? itemsOf(c.loaded) : []));
  if (!argocd) {
    findings.push(
      contractFinding(
        cluster,
        `${distRel}/${cluster}`,
        'missing-applicationset',
        `cluster ${cluster} has no argocd component, so nothing generates its Applications`,
        undefined,
        `Add the argocd component with one ApplicationSet per component (git files generator over ${prefix}/<component>/component.json).`,
      ),
    );
  } else {
    const appSets = items.filter((i) => i.component.name === 'argocd' && i.kind === 'ApplicationSet');
    const paths = appSets.flatMap((i) => gitFilePaths(asArray(getPath(i.object, ['spec', 'generators']))));
    for (const c of components) {
      const own = `${prefix}/${c.name}/component.json`;
      if (c.name === 'argocd' || paths.includes(own) || paths.includes(wildcard)) continue;
      findings.push(
        contractFinding(
          cluster,
          `${argocd.dir}/manifests`,
          'missing-applicationset',
          `no ApplicationSet in ${argocd.dir}/manifests generates component ${c.name}: none has a git files generator with path ${JSON.stringify(own)} (found: ${paths.length ? paths.map((p) => JSON.stringify(p)).join(', ') : 'none'})`,
          undefined,
          'Each component gets an ApplicationSet that generates its Application from its component.json; re-run synth.',
        ),
      );
    }
  }
  for (const project of items.filter((i) => i.kind === 'AppProject')) checkAppProject(cluster, project, findings);
}

/** Paths of git `files` generators, also inside matrix and merge generators. */
function gitFilePaths(generators: readonly unknown[]): string[] {
  return generators.filter(isRecord).flatMap((g) => [
    ...asArray(getPath(g, ['git', 'files']))
      .map((f) => asRecord(f).path)
      .filter((p): p is string => typeof p === 'string'),
    ...gitFilePaths(asArray(getPath(g, ['matrix', 'generators']))),
    ...gitFilePaths(asArray(getPath(g, ['merge', 'generators']))),
  ]);
}

function checkAppProject(cluster: string, project: Item, findings: Finding[]): void {
  const spec = asRecord(project.object.spec);
  const report = (path: string, value: unknown) =>
    findings.push({
      ...contractFinding(
        cluster,
        project.source.file,
        'appproject-wildcard',
        `${project.ref}: ${path} is ${showValue(value)}; AppProjects list exact values, no "*"`,
        path,
        'Name the repositories, destinations and cluster-scoped kinds the project needs.',
      ),
      object: project.ref,
    });
  const wild = (value: unknown) => typeof value === 'string' && value.includes('*');
  asArray(spec.sourceRepos).forEach((repo, i) => wild(repo) && report(`spec.sourceRepos[${i}]`, repo));
  asArray(spec.destinations).forEach((d, i) => {
    for (const field of ['server', 'name', 'namespace'])
      if (wild(asRecord(d)[field])) report(`spec.destinations[${i}].${field}`, asRecord(d)[field]);
  });
  asArray(spec.clusterResourceWhitelist).forEach((r, i) => {
    for (const field of ['group', 'kind'])
      if (wild(asRecord(r)[field])) report(`spec.clusterResourceWhitelist[${i}].${field}`, asRecord(r)[field]);
  });
}

// ---------------------------------------------------------------------------------------------
// Helpers

function contractFinding(cluster: string, file: string, rule: string, message: string, path?: string, hint?: string): Finding {
  return { check: 'contract', rule, severity: rule === 'unexpected-file' ? 'warning' : 'error', cluster, file, path, message, hint };
}

function subdirectories(dir: string): string[] {
  return listDir(dir).filter((name) => statSync(join(dir, name)).isDirectory());
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
}

function toPosix(path: string): string {
  return path.split(sep).join('/');
}
