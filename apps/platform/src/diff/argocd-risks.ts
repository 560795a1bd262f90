// Risks of what Argo CD deletes: deletions that lose state (Namespaces, PersistentVolumeClaims,
// CRDs, StatefulSets) or take the platform down (Argo CD's own objects, Applications,
// ApplicationSets, AppProjects), removed components, re-created Applications and objects.
import type { Risk } from './compare';
import { AppDeletion, ArgoChanges, Fate, IdentityChange, allFates, isCrd } from './delivery';
import { KObject, isRecord } from './tree';

/** The component that is Argo CD itself. */
export const ARGOCD_COMPONENT = 'argocd';

/** Risk titles of deletions that lose state or take the platform down, most severe first; they sort before every other risk. */
export const DELETION_RISKS = [
  'Component removed',
  'Application re-created',
  'Application deleted',
  'ApplicationSet deleted',
  'AppProject deleted',
  'Namespace deleted',
  'Namespace deletion waits for confirmation',
  'Namespace left for a person to delete',
  'PersistentVolumeClaim deleted',
  'CustomResourceDefinition pruned',
  'StatefulSet deleted',
  'Argo CD object deleted',
];

/** Risk titles of objects Argo CD deletes and creates again; they sort after the security and availability risks. */
export const RECREATION_RISKS = ['Object re-created', 'Objects move to another Application'];

export function argoRisks(cluster: string, changes: ArgoChanges): Risk[] {
  const risks: Risk[] = changes.deletions.map((d) => deletionRisk(cluster, d));
  for (const fate of allFates(changes)) {
    const finding = objectFinding(fate);
    if (finding) risks.push({ cluster, component: fate.component, object: fate.object, ...finding });
  }
  for (const i of changes.identities) {
    risks.push({ title: 'Object re-created', cluster, component: i.component, object: i.before, note: identityNote(i) });
  }
  const moves = new Map<string, Fate[]>();
  for (const f of changes.moves) {
    const key = `${f.application}\u0000${f.movesTo!.application}`;
    moves.set(key, [...(moves.get(key) ?? []), f]);
  }
  for (const fates of moves.values()) {
    const { application: from, component, movesTo } = fates[0];
    const to = movesTo!.application;
    const note =
      `from \`${from}\` to \`${to}\`: if \`${from}\` syncs first it ` +
      `${fates.every((f) => f.action === 'prune') ? 'prunes' : 'may prune'} ${fates.length === 1 ? 'it' : 'them'} and \`${to}\` creates ${fates.length === 1 ? 'it' : 'them'} again`;
    risks.push({ title: 'Objects move to another Application', cluster, component, objects: fates.map((f) => f.object), note });
  }
  return risks;
}

/** `\`platform\` prunes ApplicationSet \`x\`, so Kubernetes deletes Application \`x\`` and what goes with it. */
export function deletionCause(d: AppDeletion): string {
  const app = `Application \`${d.application}\``;
  const definition = d.definition;
  const confirm = definition?.action === 'prune-confirm' ? ' once a person confirms it' : '';
  if (d.applicationSet && !d.definitionRemoved) return `ApplicationSet \`${d.applicationSet}\` no longer generates ${app} and deletes it`;
  if (d.applicationSet) {
    const by = d.prunedBy ? `\`${d.prunedBy}\` prunes` : 'removing';
    if (definition?.action === 'not-pruned') {
      return `ApplicationSet \`${d.applicationSet}\` leaves dist/ but is not pruned (${definition.reason}); ${
        d.componentRemoved ? `it no longer finds the component.json and deletes ${app}` : `${app} stays`
      }`;
    }
    return `${by} ApplicationSet \`${d.applicationSet}\`${confirm}, so Kubernetes deletes ${app}, which the set owns`;
  }
  if (definition?.action === 'not-pruned') return `${app} leaves dist/ but is not pruned (${definition.reason})`;
  return `${d.prunedBy ? `\`${d.prunedBy}\` prunes` : 'removing'} ${app}${confirm}`;
}

/** `its resources finalizer deletes 50 objects and keeps 7`. */
export function deletionEffect(d: AppDeletion): string {
  const count = (action: Fate['action']) => d.objects.filter((f) => f.action === action).length;
  if (d.noFinalizer) return `its ${plural(d.objects.length, 'object')} stay, unmanaged (${d.noFinalizer})`;
  const confirm = count('delete-confirm');
  const waits = confirm > 0 ? `, ${confirm} more once a person confirms (\`Delete=confirm\`)` : '';
  const keeps = count('keep') > 0 ? ` and keeps ${count('keep')}` : '';
  return `its resources finalizer deletes ${plural(count('delete'), 'object')}${waits}${keeps}`;
}

function deletionRisk(cluster: string, d: AppDeletion): Risk {
  const title = d.recreatedBy ? 'Application re-created' : d.componentRemoved ? 'Component removed' : 'Application deleted';
  const again = d.recreatedBy ? `; ApplicationSet \`${d.recreatedBy}\` then creates it again, and it re-creates them` : '';
  return { title, cluster, component: d.component, note: `${deletionCause(d)}; ${deletionEffect(d)}${again}` };
}

type Finding = Pick<Risk, 'title' | 'note'>;

/** The risk of one object that Argo CD prunes or deletes, by kind; undefined when losing it loses nothing lasting. */
function objectFinding(f: Fate): Finding | undefined {
  const o = f.object;
  const confirm = f.action === 'prune-confirm' || f.action === 'delete-confirm';
  if ((f.action === 'not-pruned' || f.action === 'keep') && o.kind === 'Namespace' && o.group === '' && !f.movesTo) {
    const why = f.action === 'keep' ? `the finalizer of \`${f.application}\` keeps it` : `\`${f.application}\` does not prune it`;
    return {
      title: 'Namespace left for a person to delete',
      note: `no component declares it any more; ${why} (${f.reason}): a person deletes it, with anything still in it, once nothing needs it`,
    };
  }
  if (f.action !== 'prune' && f.action !== 'delete' && !confirm) return undefined;
  const how = f.action.startsWith('prune')
    ? `pruned by \`${f.application}\``
    : `deleted by the resources finalizer of \`${f.application}\``;
  const again = f.movesTo ? `, then created again by \`${f.movesTo.application}\`` : '';
  const own = f.component === ARGOCD_COMPONENT ? "one of Argo CD's own objects, " : '';
  const by = `${own}${how}${again}`;
  if (o.kind === 'Namespace' && o.group === '') {
    if (confirm) {
      return {
        title: 'Namespace deletion waits for confirmation',
        note: `${by} once a person confirms it in Argo CD (${f.reason}); until then the sync of \`${f.application}\` and the later waves wait; then Kubernetes deletes everything in it`,
      };
    }
    return { title: 'Namespace deleted', note: `${by}: Kubernetes deletes everything in it` };
  }
  const waits = confirm ? ` once a person confirms it (${f.reason})` : '';
  if (o.kind === 'PersistentVolumeClaim' && o.group === '') {
    return { title: 'PersistentVolumeClaim deleted', note: `${by}${waits}: with a Delete reclaim policy its volume and data are lost` };
  }
  if (isCrd(o)) {
    return {
      title: 'CustomResourceDefinition pruned',
      note: `${by}${waits}: the finalizer keeps CRDs, pruning does not (only \`Prune=false\` does); Kubernetes deletes every custom resource of this kind`,
    };
  }
  if (o.kind === 'StatefulSet' && o.group === 'apps') return { title: 'StatefulSet deleted', note: `${by}${waits}: ${statefulSetLoss(o)}` };
  if (o.group === 'argoproj.io' && o.kind === 'ApplicationSet') {
    return { title: 'ApplicationSet deleted', note: `${by}${waits}: Kubernetes deletes the Applications it owns` };
  }
  if (o.group === 'argoproj.io' && o.kind === 'Application') {
    return { title: 'Application deleted', note: `${by}${waits}: its resources finalizer, if it has one, deletes its objects` };
  }
  if (o.group === 'argoproj.io' && o.kind === 'AppProject') {
    return { title: 'AppProject deleted', note: `${by}${waits}: the Applications of this project can no longer sync` };
  }
  if (f.component === ARGOCD_COMPONENT) return { title: 'Argo CD object deleted', note: `${how}${again}${waits}` };
  return undefined;
}

function statefulSetLoss(o: KObject): string {
  const spec = isRecord(o.body.spec) ? o.body.spec : {};
  const templates = Array.isArray(spec.volumeClaimTemplates) ? spec.volumeClaimTemplates.length : 0;
  const policy = isRecord(spec.persistentVolumeClaimRetentionPolicy) ? spec.persistentVolumeClaimRetentionPolicy.whenDeleted : undefined;
  if (templates === 0) return 'its pods stop';
  if (policy === 'Delete') return 'its pods stop and its volume claims are deleted with it (`whenDeleted: Delete`): their data is lost';
  return 'its pods stop; the claims of its volumeClaimTemplates stay (`whenDeleted: Retain`)';
}

function identityNote(i: IdentityChange): string {
  const label = (o: KObject) => `${o.kind} \`${o.namespace ? `${o.namespace}/${o.name}` : o.name}\``;
  const old =
    i.old.action === 'prune'
      ? 'prunes the old one'
      : i.old.action === 'prune-confirm'
        ? `prunes the old one once a person confirms it (${i.old.reason})`
        : `does not prune the old one (${i.old.reason}): both exist`;
  return `becomes ${label(i.after)}: \`${i.application}\` creates the new object and ${old}; anything that refers to the old one breaks`;
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
