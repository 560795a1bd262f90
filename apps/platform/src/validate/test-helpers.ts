/**
 * Builders for validate tests: ValidateContext objects in memory and, when a check needs files,
 * the same tree written to a temporary repository root. Test code only.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { stringify } from 'yaml';
import { manifestFileNames } from '@platform/core/dist-writer';
import type { DistCluster, DistComponent, DistObject, ValidateContext } from './types';

export type K8sObject = DistObject['object'];

export const TEST_ROOT = '/repo';

/** The file synth would write for the object alone (manifestFileNames): `dist/<cluster>/<component>/manifests/<kind>-<name>.yaml`. */
export function manifestFile(cluster: string, component: string, object: K8sObject): string {
  return `dist/${cluster}/${component}/manifests/${manifestFileNames('', component, [object]).names[0]}`;
}

export function distObject(
  cluster: string,
  component: string,
  object: K8sObject,
  file = manifestFile(cluster, component, object),
): DistObject {
  return { cluster, component, file, object };
}

/** A component.json that satisfies the contract, with overrides (a field set to undefined is removed). */
export function componentJson(cluster: string, name: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const json: Record<string, unknown> = {
    name,
    cluster,
    namespace: name,
    project: 'infrastructure',
    wave: 0,
    dependsOn: [],
    manifests: `dist/${cluster}/${name}/manifests`,
    syncOptions: ['ServerSideApply=true'],
    ...overrides,
  };
  for (const key of Object.keys(json)) if (json[key] === undefined) delete json[key];
  return json;
}

export interface ComponentOptions {
  /** component.json content; `null` for a component without one. Default: componentJson(cluster, name). */
  readonly json?: Record<string, unknown> | null;
  readonly values?: unknown;
}

export function distComponent(
  cluster: string,
  name: string,
  objects: readonly K8sObject[] = [],
  opts: ComponentOptions = {},
): DistComponent {
  const json = opts.json === null ? undefined : (opts.json ?? componentJson(cluster, name));
  return {
    cluster,
    name,
    dir: `dist/${cluster}/${name}`,
    componentJson: json,
    values: opts.values,
    objects: objects.map((o) => distObject(cluster, name, o)),
  };
}

export function distCluster(name: string, components: readonly DistComponent[]): DistCluster {
  return { name, dir: `dist/${name}`, components: [...components] };
}

export function makeContext(clusters: readonly DistCluster[], root = TEST_ROOT): ValidateContext {
  return { root, distDir: join(root, 'dist'), clusters: [...clusters] };
}

/** One cluster `dev` with the given components: the common case of the policy tests. */
export function devContext(components: readonly DistComponent[]): ValidateContext {
  return makeContext([distCluster('dev', components)]);
}

/** A fresh temporary directory, removed by `removeTempRoots()` (call it in afterEach/afterAll). */
const tempRoots: string[] = [];
export function tempRoot(): string {
  const dir = mkdtempSync(join(tmpdir(), 'validate-test-'));
  tempRoots.push(dir);
  return dir;
}
export function removeTempRoots(): void {
  for (const dir of tempRoots.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export function writeFile(root: string, file: string, content: string): void {
  const abs = join(root, file);
  mkdirSync(dirname(abs), { recursive: true });
  writeFileSync(abs, content);
}

/**
 * Writes a context's tree under a new temporary root: component.json, values.yaml (when the
 * component has values or a chart) and one YAML file per object. Returns the context re-rooted there.
 */
export function writeContext(ctx: ValidateContext): ValidateContext {
  const root = tempRoot();
  for (const cluster of ctx.clusters) {
    for (const component of cluster.components) {
      mkdirSync(join(root, component.dir), { recursive: true });
      if (component.componentJson !== undefined) {
        writeFile(root, `${component.dir}/component.json`, `${JSON.stringify(component.componentJson, null, 2)}\n`);
      }
      const hasChart =
        typeof component.componentJson === 'object' && component.componentJson !== null && 'chart' in component.componentJson;
      if (component.values !== undefined || hasChart) writeFile(root, `${component.dir}/values.yaml`, stringify(component.values ?? {}));
      const manifests = (component.componentJson as { manifests?: unknown } | undefined)?.manifests;
      if (typeof manifests === 'string') mkdirSync(join(root, manifests), { recursive: true });
      for (const object of component.objects) writeFile(root, object.file, stringify(object.object));
    }
  }
  return { ...ctx, root, distDir: join(root, 'dist') };
}
