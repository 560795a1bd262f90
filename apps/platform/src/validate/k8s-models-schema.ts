/**
 * Derives JSON schemas for a Kubernetes release from the TypeScript declarations of the npm package
 * `kubernetes-models` (MIT), for the releases `kubernetes-types` does not cover: `kubernetes-types`
 * stops at 1.30.0, `kubernetes-models@4.5.1` follows Kubernetes 1.33 (k8s-schemas.ts pins which
 * package serves which release).
 *
 * The declarations are one file per type (`apps/v1/Deployment.d.ts`) with an interface whose
 * properties carry the wire names, `?` for optional fields, string-literal unions for enums and
 * literal `apiVersion`/`kind` for top-level kinds; each file re-exports its interface under a
 * global name (`IIoK8sApiAppsV1Deployment`), which is how other files import it. Types of the
 * apimachinery (ObjectMeta, Quantity, ...) come from `@kubernetes-models/apimachinery`.
 *
 * Definitions get the same names as k8s-types-schema.ts gives them (`apps.v1.Deployment`), so the
 * same tables (special types, list-map keys, enums) apply and both bundles read alike. Strictness is
 * the same: `additionalProperties: false` on every object type, maps stay maps.
 *
 * What this source differs in: it merges the group versions of older releases (extensions/v1beta1,
 * ...: k8s-api.ts says which are removed by which release, and the schema check rejects those
 * first) and leaves out alpha APIs (an alpha object fails the check of such a release as an unknown
 * kind). Its string-literal unions become enums.
 */
import { readFileSync } from 'node:fs';
import type * as TS from 'typescript';
import { ANY, finishDefinitions, listDeclarationFiles, scalarSchema, type CoreSchemaBundle, type Schema } from './k8s-types-schema';

/** Bump when the output of this generator changes, to invalidate cached schemas. */
export const MODELS_GENERATOR_VERSION = 1;

const GLOBAL_PREFIX = 'IIoK8s';

/**
 * The definition name of a global type name: `IIoK8sApiAppsV1Deployment` → `apps.v1.Deployment`,
 * `IIoK8sApimachineryPkgApisMetaV1ObjectMeta` → `meta.v1.ObjectMeta`. Throws on an unknown shape.
 */
export function definitionName(global: string): string {
  const name = global.slice(1);
  const version = '(V\\d+(?:alpha\\d+|beta\\d+)?)';
  const patterns: [RegExp, (m: RegExpMatchArray) => string][] = [
    [new RegExp(`^IoK8sApi([A-Z][a-z]+)${version}([A-Z]\\w*)$`), (m) => `${m[1].toLowerCase()}.${m[2].toLowerCase()}.${m[3]}`],
    [new RegExp(`^IoK8sApimachineryPkgApisMeta${version}([A-Z]\\w*)$`), (m) => `meta.${m[1].toLowerCase()}.${m[2]}`],
    [/^IoK8sApimachineryPkgApiResource([A-Z]\w*)$/, (m) => `api.resource.${m[1]}`],
    [/^IoK8sApimachineryPkgUtilIntstr([A-Z]\w*)$/, (m) => `util.intstr.${m[1]}`],
    [/^IoK8sApimachineryPkgRuntime([A-Z]\w*)$/, (m) => `runtime.${m[1]}`],
    [/^IoK8sApimachineryPkgVersion([A-Z]\w*)$/, (m) => `version.${m[1]}`],
    [
      new RegExp(`^IoK8sApiextensionsApiserverPkgApisApiextensions${version}([A-Z]\\w*)$`),
      (m) => `apiextensions.${m[1].toLowerCase()}.${m[2]}`,
    ],
    [
      new RegExp(`^IoK8sKubeAggregatorPkgApisApiregistration${version}([A-Z]\\w*)$`),
      (m) => `apiregistration.${m[1].toLowerCase()}.${m[2]}`,
    ],
  ];
  for (const [pattern, build] of patterns) {
    const match = pattern.exec(name);
    if (match) return build(match);
  }
  throw new Error(`kubernetes-models: cannot name type ${global}`);
}

class ModelsConverter {
  readonly definitions: Record<string, unknown> = {};
  readonly kinds: Record<string, Record<string, string>> = {};

  constructor(private readonly ts: typeof TS) {}

  convertFile(file: string): void {
    const ts = this.ts;
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    const globals = this.globalNames(source);
    if (globals.size === 0) return; // index files, base classes
    const resolve = (name: string) => {
      const global = globals.get(name) ?? (name.startsWith(GLOBAL_PREFIX) ? name : undefined);
      if (!global) throw new Error(`kubernetes-models: unknown type ${name} in ${file}`);
      return definitionName(global);
    };
    for (const statement of source.statements) {
      if (ts.isInterfaceDeclaration(statement) && globals.has(statement.name.text)) this.addInterface(statement, resolve);
      else if (ts.isTypeAliasDeclaration(statement) && globals.has(statement.name.text))
        this.definitions[resolve(statement.name.text)] = this.typeSchema(statement.type, resolve);
    }
  }

  /** `export { IContainer as IIoK8sApiCoreV1Container, ... }`: local name → global name. */
  private globalNames(source: TS.SourceFile): Map<string, string> {
    const ts = this.ts;
    const names = new Map<string, string>();
    for (const statement of source.statements) {
      if (!ts.isExportDeclaration(statement) || statement.moduleSpecifier || !statement.exportClause) continue;
      if (!ts.isNamedExports(statement.exportClause)) continue;
      for (const element of statement.exportClause.elements) {
        const local = (element.propertyName ?? element.name).text;
        if (element.name.text.startsWith(GLOBAL_PREFIX)) names.set(local, element.name.text);
      }
    }
    return names;
  }

  private addInterface(node: TS.InterfaceDeclaration, resolve: (name: string) => string): void {
    const name = resolve(node.name.text);
    const { schema, apiVersion, kind } = this.objectSchema(node.members, resolve, name);
    this.definitions[name] = schema;
    // meta/v1 declares discovery documents (APIGroup, APIVersions, ...), not resources.
    if (apiVersion && kind && !name.startsWith('meta.')) (this.kinds[apiVersion] ??= {})[kind] = name;
  }

  private typeSchema(node: TS.TypeNode, resolve: (name: string) => string): Schema {
    const ts = this.ts;
    const scalar = scalarSchema(ts, node);
    if (scalar) return scalar;
    if (ts.isArrayTypeNode(node)) return { type: 'array', items: this.typeSchema(node.elementType, resolve) };
    if (ts.isParenthesizedTypeNode(node)) return this.typeSchema(node.type, resolve);
    if (ts.isUnionTypeNode(node)) return this.unionSchema(node, resolve);
    if (ts.isTypeLiteralNode(node)) return this.mapSchema(node, resolve);
    if (ts.isTypeReferenceNode(node)) {
      const name = node.typeName.getText();
      if (name === 'Array' && node.typeArguments?.length === 1)
        return { type: 'array', items: this.typeSchema(node.typeArguments[0], resolve) };
      return { $ref: `#/definitions/${resolve(name)}` };
    }
    throw new Error(`kubernetes-models: unsupported type ${node.getText()}`);
  }

  /** String literals → an enum; `number | string` → IntOrString; other unions → anyOf. */
  private unionSchema(node: TS.UnionTypeNode, resolve: (name: string) => string): Schema {
    const members = node.types.map((t) => this.typeSchema(t, resolve));
    if (members.every((m) => m.type === 'string' && Array.isArray(m.enum)))
      return { type: 'string', enum: members.flatMap((m) => m.enum as string[]).sort() };
    const types = members.map((m) => m.type);
    if (members.length === 2 && types.includes('number') && types.includes('string')) return { 'x-kubernetes-int-or-string': true };
    return { anyOf: members };
  }

  /** `{ [key: string]: T }`, or an inline object type (embedded objects such as volumeClaimTemplates). */
  private mapSchema(node: TS.TypeLiteralNode, resolve: (name: string) => string): Schema {
    const ts = this.ts;
    const [member] = node.members;
    if (node.members.length === 1 && ts.isIndexSignatureDeclaration(member) && member.type)
      return { type: 'object', additionalProperties: this.typeSchema(member.type, resolve) };
    return this.objectSchema(node.members, resolve, 'an inline type').schema;
  }

  /** Property signatures → a closed object schema, with the literal apiVersion and kind if any. */
  private objectSchema(
    members: TS.NodeArray<TS.TypeElement>,
    resolve: (name: string) => string,
    where: string,
  ): { schema: Schema; apiVersion?: string; kind?: string } {
    const ts = this.ts;
    const properties: Record<string, Schema> = {};
    const required: string[] = [];
    let apiVersion: string | undefined;
    let kind: string | undefined;
    for (const member of members) {
      if (!ts.isPropertySignature(member) || !member.type) throw new Error(`kubernetes-models: unexpected member in ${where}`);
      const key = ts.isIdentifier(member.name) || ts.isStringLiteral(member.name) ? member.name.text : member.name.getText();
      properties[key] = this.typeSchema(member.type, resolve);
      if (!member.questionToken) required.push(key);
      const literal = ts.isLiteralTypeNode(member.type) && ts.isStringLiteral(member.type.literal) ? member.type.literal.text : undefined;
      if (key === 'apiVersion') apiVersion = literal;
      if (key === 'kind') kind = literal;
    }
    if (members.length === 0) return { schema: ANY };
    const schema: Schema = { type: 'object', properties, additionalProperties: false };
    if (required.length > 0) schema.required = required.sort();
    return { schema, apiVersion, kind };
  }
}

/**
 * Converts the declarations of `kubernetes-models` and of its `@kubernetes-models/apimachinery`
 * (`packageDirs`) into the schemas of Kubernetes `kubernetesVersion`.
 */
export function generateModelsSchemas(ts: typeof TS, packageDirs: readonly string[], kubernetesVersion: string): CoreSchemaBundle {
  const converter = new ModelsConverter(ts);
  for (const dir of packageDirs) for (const file of listDeclarationFiles(dir)) converter.convertFile(file);
  finishDefinitions(converter.definitions);
  return { kubernetesVersion, definitions: converter.definitions, kinds: converter.kinds };
}
