// Renders a DistDiff as Markdown for a pull request comment. Deterministic: the output depends only
// on the diff and the options.
import { ClusterDiff, ComponentDiff, DistDiff, FieldChange, FileChange, ObjectChange, Risk, Segment, plural } from './compare';
import { KObject } from './tree';

export interface RenderOptions {
  /** How the base is named in the title, e.g. `origin/main (1a2b3c4)`. */
  readonly base: string;
  /** Field changes listed per object, component.json or values.yaml before "… and N more". */
  readonly maxFields?: number;
}

/** Values longer than this are shortened with `…`. */
const MAX_VALUE = 80;

export function renderMarkdown(diff: DistDiff, { base, maxFields = 20 }: RenderOptions): string {
  const blocks = [`## dist/ diff against ${code(base)}`];
  if (diff.clusters.length === 0) blocks.push('No changes to dist/');
  else {
    blocks.push(summaryLine(diff));
    if (diff.risks.length > 0) blocks.push('### Risks', bullets(diff.risks.map(riskLine)));
    for (const cluster of diff.clusters) blocks.push(...clusterBlocks(cluster, maxFields));
  }
  return `${blocks.join('\n\n')}\n`;
}

function summaryLine({ clusters, risks }: DistDiff): string {
  const components = clusters.flatMap((c) => c.components);
  const count = (pick: (c: ComponentDiff) => number) => components.reduce((n, c) => n + pick(c), 0);
  const names = clusters.map((c) => (c.status === 'changed' ? c.name : `${c.name} (${c.status === 'added' ? 'new' : 'removed'})`));
  const parts = [
    `${plural(clusters.length, 'cluster')} changed (${names.join(', ')})`,
    `objects: ${count((c) => c.added.length)} added, ${count((c) => c.removed.length)} removed, ${count((c) => c.changed.length)} changed`,
  ];
  const added = components.filter((c) => c.status === 'added').length;
  const removed = components.filter((c) => c.status === 'removed').length;
  if (added + removed > 0) parts.push(`components: ${added} added, ${removed} removed`);
  parts.push(plural(risks.length, 'risk'));
  return `**Summary:** ${parts.join('; ')}.`;
}

// ---------------------------------------------------------------------------------------------
// Risks

function riskLine(r: Risk): string {
  const where = code(r.component ? `${r.cluster}/${r.component}` : r.cluster);
  const subject = r.object ? ` ${objectLabel(r.object)}` : r.file ? ` ${code(r.file)}` : '';
  const change = r.change ? `, ${fieldLine(r.change)}` : '';
  const note = r.note ? ` (${r.note})` : '';
  return `**${r.title}**: ${where}${subject}${change}${note}`;
}

// ---------------------------------------------------------------------------------------------
// Clusters and components

function clusterBlocks(cluster: ClusterDiff, maxFields: number): string[] {
  if (cluster.status !== 'changed') return [`### ${cluster.name}`, clusterStatusLine(cluster)];
  const head = cluster.files.length > 0 ? [`### ${cluster.name}`, bullets(cluster.files.map(fileLine))] : [];
  return [...head, ...cluster.components.flatMap((c) => componentBlocks(c, maxFields))];
}

function clusterStatusLine(cluster: ClusterDiff): string {
  const objects = cluster.components.reduce((n, c) => n + c.added.length + c.removed.length, 0);
  const names = cluster.components.map((c) => c.name).join(', ');
  const what = cluster.status === 'added' ? 'New cluster' : 'Cluster removed';
  return `${what}: ${plural(cluster.components.length, 'component')} (${names}), ${plural(objects, 'object')}.`;
}

function componentBlocks(c: ComponentDiff, maxFields: number): string[] {
  const blocks = [`### ${c.cluster}/${c.name}`];
  if (c.status === 'added') blocks.push(`New component with ${plural(c.added.length, 'object')}.`);
  if (c.status === 'removed') blocks.push(`Component removed: Argo CD prunes its ${plural(c.removed.length, 'object')}.`);
  const section = (title: string, lines: string[]) => (lines.length > 0 ? [`**${title}**`, bullets(lines)] : []);
  blocks.push(
    ...section('component.json', fieldLines(c.componentJson, maxFields)),
    ...section('values.yaml', fieldLines(c.values, maxFields)),
    ...section('Added objects', c.added.map(objectLabel)),
    ...section('Removed objects', c.removed.map(objectLabel)),
    ...section(
      'Changed objects',
      c.changed.map((o) => changedObject(o, maxFields)),
    ),
    ...section('Other files', c.files.map(fileLine)),
  );
  return blocks;
}

function changedObject(o: ObjectChange, maxFields: number): string {
  return [objectLabel(o.after), ...fieldLines(o.fields, maxFields).map((line) => `  - ${line}`)].join('\n');
}

function fileLine(f: FileChange): string {
  return `${code(f.file)} ${f.op}`;
}

/** `Deployment `api/web`` or `Namespace `api``. */
export function objectLabel(o: KObject): string {
  return `${o.kind} ${code(o.namespace ? `${o.namespace}/${o.name}` : o.name)}`;
}

function bullets(lines: readonly string[]): string {
  return lines.map((line) => `- ${line}`).join('\n');
}

// ---------------------------------------------------------------------------------------------
// Fields and values

function fieldLines(fields: readonly FieldChange[], max: number): string[] {
  const lines = fields.slice(0, max).map(fieldLine);
  if (fields.length > max) lines.push(`… and ${fields.length - max} more`);
  return lines;
}

/** `` `spec.replicas`: `2` → `1` `` */
export function fieldLine(f: FieldChange): string {
  return `${code(renderPath(f.path))}: ${renderPair(f.before, f.after)}`;
}

/** `spec.template.spec.containers[name=web].image`, `metadata.labels["app.kubernetes.io/name"]`. */
export function renderPath(path: readonly Segment[]): string {
  if (path.length === 0) return '(root)';
  return path
    .map((s, i) => {
      if (typeof s !== 'string') return 'index' in s ? `[${s.index}]` : `[name=${s.name}]`;
      if (!/^[A-Za-z_$][\w$-]*$/.test(s)) return `[${JSON.stringify(s)}]`;
      return i === 0 ? s : `.${s}`;
    })
    .join('');
}

/**
 * `old → new`, each as short JSON. When both are long and share a long prefix, both start shortly
 * before their first difference, so the difference stays visible.
 */
export function renderPair(before: unknown, after: unknown): string {
  const b = toJson(before);
  const a = toJson(after);
  const skip = b !== undefined && a !== undefined ? skipTo(b, a) : 0;
  return `${renderValue(b, skip)} → ${renderValue(a, skip)}`;
}

function toJson(value: unknown): string | undefined {
  return value === undefined ? undefined : JSON.stringify(value);
}

function skipTo(a: string, b: string): number {
  if (a.length <= MAX_VALUE && b.length <= MAX_VALUE) return 0;
  let common = 0;
  while (common < a.length && common < b.length && a[common] === b[common]) common++;
  return common > MAX_VALUE / 2 ? common - 20 : 0;
}

function renderValue(json: string | undefined, skip: number): string {
  if (json === undefined) return '(none)';
  const text = skip > 0 ? `…${json.slice(skip)}` : json;
  return code(text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE - 1)}…` : text);
}

/** A Markdown code span that survives backticks in `text`. */
export function code(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const pad = longest > 0 ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}
