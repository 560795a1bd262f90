// Renders a DistDiff as Markdown for a pull request comment. Deterministic: the output depends only
// on the diff and the options. Long lists (a chart bump changes dozens of objects) are grouped by
// kind, changes shared by many objects are shown once, and lists longer than COLLAPSE lines are
// folded into <details>.
import { deletionCause, deletionEffect } from './argocd-risks';
import { ClusterDiff, ComponentDiff, DistDiff, FieldChange, FileChange, ObjectChange, Risk, Segment, plural } from './compare';
import { AppDeletion, ArgoChanges, Fate, WaveMove, allFates, ignoresExtraneous } from './delivery';
import { KObject } from './tree';

export interface RenderOptions {
  /** How the base is named in the title, e.g. `origin/main (1a2b3c4)`. */
  readonly base: string;
  /** Field changes listed per object, component.json or values.yaml before "… and N more". */
  readonly maxFields?: number;
}

/** Values longer than this are shortened with `…`. */
const MAX_VALUE = 80;
/** Lists of more lines than this are folded into <details>. */
const COLLAPSE = 12;
/** Up to this many objects are listed one per line; more are listed by kind. */
const ONE_PER_LINE = 8;
/** A field change made alike in at least this many objects is shown once for all of them. */
const SHARED = 3;

export const PRUNE_SECTION = 'What Argo CD will prune or delete when this merges';

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
  const fates = clusters.flatMap((c) => allFates(c.argocd));
  const actions = (...list: Fate['action'][]) => fates.filter((f) => list.includes(f.action)).length;
  if (fates.length > 0) {
    const waiting = actions('prune-confirm', 'delete-confirm');
    const argo = [
      `${actions('prune')} pruned`,
      `${actions('delete')} deleted`,
      ...(waiting > 0 ? [`${waiting} awaiting confirmation`] : []),
    ];
    parts.push(`Argo CD: ${argo.join(', ')}`);
  }
  parts.push(plural(risks.length, 'risk'));
  return `**Summary:** ${parts.join('; ')}.`;
}

// ---------------------------------------------------------------------------------------------
// Risks

function riskLine(r: Risk): string {
  const where = code(r.component ? `${r.cluster}/${r.component}` : r.cluster);
  let subject = r.object ? ` ${objectLabel(r.object)}` : r.file && !r.image ? ` ${code(r.file)}` : '';
  if (r.image)
    subject = ` ${code(r.image.repository)}: ${versions(r.image.before)} → ${versions(r.image.after)} (${firstLabels(r.image.objects)})`;
  else if (r.objects) subject = ` ${labelsByKind(r.objects)}`;
  const change = r.change ? `, ${fieldLine(r.change)}` : '';
  const note = r.note ? ` (${r.note})` : '';
  return `**${r.title}**: ${where}${subject}${change}${note}`;
}

function versions(list: readonly string[]): string {
  return list.map(code).join(', ');
}

/** Up to three object labels, then `and N more`. */
function firstLabels(objects: readonly KObject[]): string {
  const labels = objects.slice(0, 3).map(objectLabel);
  if (objects.length > 3) labels.push(`and ${objects.length - 3} more`);
  return labels.join(', ');
}

// ---------------------------------------------------------------------------------------------
// Clusters

function clusterBlocks(cluster: ClusterDiff, maxFields: number): string[] {
  const blocks = [`### ${cluster.name}`];
  if (cluster.status !== 'changed') {
    blocks.push(clusterStatusLine(cluster));
    if (cluster.status === 'removed') {
      blocks.push(
        `#### ${PRUNE_SECTION}`,
        `Nothing: the Applications of ${code(cluster.name)} point at paths that no longer exist, so Argo CD reports a ComparisonError and syncs, prunes and deletes nothing. Tear the cluster down on its own.`,
      );
    }
    return blocks;
  }
  if (cluster.files.length > 0) blocks.push(bullets(cluster.files.map(fileLine)));
  blocks.push(`#### ${PRUNE_SECTION}`, ...argoBlocks(cluster.argocd));
  return [...blocks, ...cluster.components.flatMap((c) => componentBlocks(c, maxFields))];
}

function clusterStatusLine(cluster: ClusterDiff): string {
  const objects = cluster.components.reduce((n, c) => n + c.added.length + c.removed.length, 0);
  const names = cluster.components.map((c) => c.name).join(', ');
  const what = cluster.status === 'added' ? 'New cluster' : 'Cluster removed';
  return `${what}: ${plural(cluster.components.length, 'component')} (${names}), ${plural(objects, 'object')}.`;
}

// ---------------------------------------------------------------------------------------------
// What Argo CD prunes and deletes

function argoBlocks(changes: ArgoChanges): string[] {
  const blocks: string[] = [];
  const nothing = allFates(changes).length === 0 && changes.deletions.length === 0;
  if (nothing) blocks.push('Nothing is pruned or deleted.');
  if (changes.deletions.length > 0) {
    const removed = changes.deletions.every((d) => d.componentRemoved && !d.recreatedBy);
    blocks.push(removed ? '**Components removed: their Application is deleted**' : '**Applications deleted**');
    for (const d of changes.deletions) blocks.push(...deletionBlocks(d));
  }
  if (changes.pruned.length > 0) {
    blocks.push('**Pruned: objects removed from components that stay**');
    const apps = [...new Set(changes.pruned.map((f) => f.application))];
    for (const app of apps) {
      const fates = changes.pruned.filter((f) => f.application === app);
      const count = (action: Fate['action']) => fates.filter((f) => f.action === action).length;
      const parts = [
        ...(count('prune') > 0 ? [`${plural(count('prune'), 'object')} pruned`] : []),
        ...(count('prune-confirm') > 0
          ? [`${count('prune-confirm')} ${count('prune-confirm') === 1 ? 'waits' : 'wait'} for confirmation`]
          : []),
        ...(count('not-pruned') > 0 ? [`${count('not-pruned')} not pruned`] : []),
      ];
      blocks.push(
        `Application ${code(app)}: ${parts.join(', ')}.`,
        collapsible(`${plural(fates.length, 'object')} removed from ${app}`, fateLines(fates)),
      );
    }
  }
  if (changes.waves.length > 0) blocks.push('**Wave moves**', bullets(changes.waves.map(waveLine)));
  if (changes.identities.length > 0) {
    const lines = changes.identities.map(
      (i) => `${objectLabel(i.before)} → ${objectLabel(i.after)} in ${code(i.application)}: ${identityEffect(i.old)}`,
    );
    blocks.push('**Identity changes: delete + create**', collapsible(plural(lines.length, 'identity change'), lines));
  }
  if (changes.moves.length > 0) {
    const lines = changes.moves.map(
      (f) => `${objectLabel(f.object)}: ${code(f.application)} → ${code(f.movesTo!.application)}: ${moveEffect(f)}`,
    );
    blocks.push('**Objects that move to another Application**', collapsible(plural(lines.length, 'object'), lines));
  }
  if (changes.untracked.length > 0) {
    blocks.push(
      '**Removed, but no Application in dist/ synced them: nothing prunes them**',
      collapsible(plural(changes.untracked.length, 'object'), objectLines(changes.untracked.map((t) => t.object))),
    );
  }
  return blocks;
}

function deletionBlocks(d: AppDeletion): string[] {
  const name = d.component ?? d.application;
  const what = d.recreatedBy ? 'deleted and created again' : d.componentRemoved ? 'removed' : 'deleted';
  const again = d.recreatedBy ? `; ApplicationSet ${code(d.recreatedBy)} then creates it again, and it re-creates them` : '';
  const blocks = [`**${code(name)} ${what}**: ${deletionCause(d)}; ${deletionEffect(d)}${again}.`];
  const confirm = d.objects.filter((f) => f.action === 'delete-confirm');
  const kept = d.objects.filter((f) => f.action === 'keep');
  const list = (title: string, fates: readonly Fate[]) => {
    if (fates.length === 0) return;
    const objects = fates.map((f) => f.object);
    const lines = objectLines(objects);
    blocks.push(
      lines.length > COLLAPSE
        ? collapsible(`${title}: ${plural(fates.length, 'object')} (${kindCounts(objects)})`, lines)
        : `${title}:\n\n${bullets(lines)}`,
    );
  };
  const deleted = d.objects.filter((f) => f.action === 'delete');
  list(
    'Deleted',
    deleted.filter((f) => !f.movesTo),
  );
  for (const app of [...new Set(deleted.flatMap((f) => (f.movesTo ? [f.movesTo.application] : [])))].sort()) {
    list(
      `Deleted, then created again by ${app}`,
      deleted.filter((f) => f.movesTo?.application === app),
    );
  }
  list('Deleted once a person confirms it (Delete=confirm)', confirm);
  if (kept.length > 0) {
    const reasons = [...new Set(kept.map((f) => f.reason ?? ''))];
    const lines = reasons.map((reason) => {
      const objects = kept.filter((f) => (f.reason ?? '') === reason).map((f) => f.object);
      return `${labelsByKind(objects)}${reason ? ` (${reason})` : ''}`;
    });
    blocks.push(`Kept:\n\n${bullets(lines)}`);
  }
  return blocks;
}

/** One line per object of an Application's removals: plain prunes first (by kind when many), then the ones that wait or stay. */
function fateLines(fates: readonly Fate[]): string[] {
  const plain = fates.filter((f) => f.action === 'prune').map((f) => f.object);
  const others = fates.filter((f) => f.action !== 'prune').map((f) => `${objectLabel(f.object)}: ${removalEffect(f)}`);
  return [...objectLines(plain), ...others];
}

/** What happens to an object its Application stops syncing. */
function removalEffect(f: Fate): string {
  if (f.action === 'prune') return 'pruned';
  if (f.action === 'prune-confirm') {
    return `**waits for confirmation** (${f.reason}): a person must confirm the prune in Argo CD; until then the sync of ${code(f.application)} waits, and the later waves with it`;
  }
  if (f.action === 'not-pruned') {
    const sync = ignoresExtraneous(f.object)
      ? `\`IgnoreExtraneous\` keeps ${code(f.application)} Synced`
      : `${code(f.application)} shows OutOfSync`;
    const person = isNamespace(f.object) ? ': a person deletes it, with anything still in it, once nothing needs it' : '';
    return `not pruned (${f.reason}): it stays in the cluster, and ${sync}${person}`;
  }
  return f.action;
}

function identityEffect(f: Fate): string {
  if (f.action === 'prune') return 'Argo CD creates the new object and prunes the old one';
  if (f.action === 'prune-confirm')
    return `Argo CD creates the new object; the old one **waits for confirmation** (${f.reason}) before it is pruned`;
  return `Argo CD creates the new object; the old one is not pruned (${f.reason}) and stays`;
}

function moveEffect(f: Fate): string {
  const from = code(f.application);
  const to = code(f.movesTo!.application);
  if (f.action === 'not-pruned') return `${from} does not prune it (${f.reason}), ${to} takes it over`;
  const pruned = f.action === 'prune' ? 'prunes it' : `prunes it once a person confirms (${f.reason})`;
  return `if ${from} syncs first it ${pruned} and ${to} creates it again; if ${to} syncs first it takes it over`;
}

function waveLine(w: WaveMove): string {
  const head = `${code(w.component)}: wave ${w.before} → ${w.after}`;
  if (w.via.kind === 'annotation') {
    if (w.via.before === w.via.after)
      return `${head} in component.json; the sync-wave annotation of ApplicationSet ${code(w.via.applicationSet)} stays ${w.via.before}: nothing is deleted or re-created`;
    const annotation = w.via.before === w.before && w.via.after === w.after ? '' : ` (${w.via.before} → ${w.via.after})`;
    return `${head}: the ApplicationSet's sync-wave annotation changes${annotation}; nothing is deleted or re-created`;
  }
  if (w.via.kind === 'recreated') {
    return `${head}: its Application moves from ApplicationSet ${code(w.via.from)} to ${code(w.via.to)}, which cannot adopt it: it is deleted with its objects and created again (see above)`;
  }
  const by = w.via.application ? `${code(w.via.application)} syncs it directly` : 'no Application syncs it';
  return `${head}: only component.json changes (${by}, no ApplicationSet annotation); nothing is deleted or re-created`;
}

// ---------------------------------------------------------------------------------------------
// Components

function componentBlocks(c: ComponentDiff, maxFields: number): string[] {
  const blocks = [`#### ${c.cluster}/${c.name}`];
  if (c.status === 'added') {
    const chart = c.chart.after?.version
      ? `, rendered from chart ${code(c.chart.after.chart ?? c.name)} ${code(c.chart.after.version)}`
      : '';
    blocks.push(`New component with ${plural(c.added.length, 'object')}${counts(c.added)}${chart}.`);
  }
  if (c.status === 'removed') {
    blocks.push(`Component removed with its ${plural(c.removed.length, 'object')}: what Argo CD deletes and keeps is listed above.`);
    return blocks;
  }
  const chart = c.status === 'changed' ? chartLine(c) : undefined;
  if (chart) blocks.push(chart);
  const section = (title: string, lines: string[], summary = title) =>
    lines.length > 0 ? [`**${title}**`, lines.length > COLLAPSE ? collapsible(summary, lines) : bullets(lines)] : [];
  blocks.push(
    ...section('component.json', fieldLines(c.componentJson, maxFields)),
    ...section('values.yaml', fieldLines(c.values, maxFields)),
  );
  if (c.status === 'added')
    blocks.push(...section(`Objects (${c.added.length})`, objectLines(c.added), `${plural(c.added.length, 'object')}`));
  else {
    blocks.push(
      ...section(`Added objects (${c.added.length})`, objectLines(c.added), `${plural(c.added.length, 'added object')}`),
      ...section(`Removed objects (${c.removed.length})`, objectLines(c.removed), `${plural(c.removed.length, 'removed object')}`),
    );
  }
  if (c.changed.length > 0) blocks.push(...changedBlocks(c.changed, maxFields));
  blocks.push(...section('Other files', c.files.map(fileLine)));
  return blocks;
}

/** `Chart `cert-manager` `v1.21.1` → `v1.22.0` (digest …): 44 rendered objects change.` when the provenance changes. */
function chartLine(c: ComponentDiff): string | undefined {
  const { before, after } = c.chart;
  if (!before && !after) return undefined;
  const version = (v?: string) => (v ? code(v) : '(none)');
  const digest = (v?: string) => (v ? code(v.slice(0, 12)) : '(none)');
  const versionChanged = before?.version !== after?.version;
  const digestChanged = before?.digest !== after?.digest;
  if (!versionChanged && !digestChanged) return undefined;
  const name = after?.chart ?? before?.chart;
  const parts = [`Chart${name ? ` ${code(name)}` : ''} ${version(before?.version)} → ${version(after?.version)}`];
  if (digestChanged) parts.push(`(digest ${digest(before?.digest)} → ${digest(after?.digest)})`);
  const objects = c.added.length + c.removed.length + c.changed.length;
  return `${parts.join(' ')}: ${plural(objects, 'rendered object')} change (${c.added.length} added, ${c.removed.length} removed, ${c.changed.length} changed).`;
}

function changedBlocks(changed: readonly ObjectChange[], maxFields: number): string[] {
  const blocks = [
    `**Changed objects (${changed.length})**${changed.length > ONE_PER_LINE ? `: ${kindCounts(changed.map((o) => o.after))}` : ''}`,
  ];
  // Field changes made alike in many objects (a chart's version labels) are listed once.
  const key = (f: FieldChange) => JSON.stringify([renderPath(f.path), f.op, f.before, f.after]);
  const counts = new Map<string, { change: FieldChange; objects: number }>();
  for (const o of changed) {
    for (const f of new Map(o.fields.map((f) => [key(f), f])).values()) {
      const entry = counts.get(key(f)) ?? { change: f, objects: 0 };
      counts.set(key(f), { ...entry, objects: entry.objects + 1 });
    }
  }
  const shared = [...counts.entries()]
    .filter(([, v]) => v.objects >= SHARED)
    .sort(([ka, a], [kb, b]) => b.objects - a.objects || (ka < kb ? -1 : 1));
  const sharedKeys = new Set(shared.map(([k]) => k));
  if (shared.length > 0) {
    const lines = shared.slice(0, maxFields).map(([, v]) => `${fieldLine(v.change)} (${plural(v.objects, 'object')})`);
    if (shared.length > maxFields) lines.push(`… and ${shared.length - maxFields} more`);
    blocks.push(`The same change in several objects:\n\n${bullets(lines)}`);
  }
  const onlyShared = changed.filter((o) => o.fields.every((f) => sharedKeys.has(key(f))));
  const own: string[] = [];
  for (const o of changed.filter((x) => !onlyShared.includes(x))) {
    const fields = fieldLines(
      o.fields.filter((f) => !sharedKeys.has(key(f))),
      maxFields,
    );
    const alsoShared = o.fields.filter((f) => sharedKeys.has(key(f))).length;
    if (alsoShared > 0) fields.push(`and ${plural(alsoShared, 'change')} above`);
    own.push([objectLabel(o.after), ...fields.map((line) => `  - ${line}`)].join('\n'));
  }
  if (own.length > 0) blocks.push(collapsible(`${plural(own.length, 'object')} with changes of their own`, own, 3 * COLLAPSE));
  if (onlyShared.length > 0) {
    const objects = onlyShared.map((o) => o.after);
    const lines = [...groupByKind(objects)].map(([kind, list]) => `${kind} (${list.length}): ${list.map(nameOf).join(', ')}`);
    const summary = `${plural(objects.length, 'object')} with only the changes above: ${kindCounts(objects)}`;
    blocks.push(lines.length > 2 || own.length > 0 ? foldAlways(summary, lines) : `Only the changes above:\n\n${bullets(lines)}`);
  }
  return blocks;
}

function fileLine(f: FileChange): string {
  return `${code(f.file)} ${f.op}`;
}

// ---------------------------------------------------------------------------------------------
// Objects and lists

/** `Deployment `api/web`` or `Namespace `api``. */
export function objectLabel(o: KObject): string {
  return `${o.kind} ${nameOf(o)}`;
}

function isNamespace(o: KObject): boolean {
  return o.kind === 'Namespace' && o.group === '';
}

function nameOf(o: KObject): string {
  return code(o.namespace ? `${o.namespace}/${o.name}` : o.name);
}

/** One object per line, or one line per kind when there are many. */
function objectLines(objects: readonly KObject[]): string[] {
  if (objects.length <= ONE_PER_LINE) return objects.map(objectLabel);
  return [...groupByKind(objects)].map(([kind, list]) => `${kind} (${list.length}): ${list.map(nameOf).join(', ')}`);
}

/** `CustomResourceDefinition `a`, `b`; Namespace `c``. */
function labelsByKind(objects: readonly KObject[]): string {
  return [...groupByKind(objects)].map(([kind, list]) => `${kind} ${list.map(nameOf).join(', ')}`).join('; ');
}

function groupByKind(objects: readonly KObject[]): Map<string, KObject[]> {
  const map = new Map<string, KObject[]>();
  for (const o of [...objects].sort((a, b) => (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0)))
    map.set(o.kind, [...(map.get(o.kind) ?? []), o]);
  return map;
}

/** `14 ClusterRole, 9 ClusterRoleBinding, 4 Deployment`: most frequent kinds first. */
function kindCounts(objects: readonly KObject[]): string {
  return [...groupByKind(objects)]
    .sort(([ka, a], [kb, b]) => b.length - a.length || (ka < kb ? -1 : 1))
    .map(([kind, list]) => `${list.length} ${kind}`)
    .join(', ');
}

function counts(objects: readonly KObject[]): string {
  return objects.length > 1 ? ` (${kindCounts(objects)})` : '';
}

function bullets(lines: readonly string[]): string {
  return lines.map((line) => `- ${line}`).join('\n');
}

/** A bullet list, folded into <details> with `summary` (plain text) when it has more than `limit` lines. */
function collapsible(summary: string, lines: readonly string[], limit = COLLAPSE): string {
  const count = lines.reduce((n, l) => n + l.split('\n').length, 0);
  return count <= limit ? bullets(lines) : foldAlways(summary, lines);
}

function foldAlways(summary: string, lines: readonly string[]): string {
  return `<details>\n<summary>${escapeHtml(summary)}</summary>\n\n${bullets(lines)}\n\n</details>`;
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
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
