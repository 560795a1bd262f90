import type { k8s } from 'cdk8s-plus-30';
import type { Resources, Spread } from './workload';
import { spreadConstraints } from './workload';

/** How many replicas of a workload run, and over what they spread (the cluster's `availability`, or a component's own). */
export interface Availability {
  readonly replicas: number;
  readonly spread: Spread;
}

/**
 * High availability of one workload, in chart-neutral terms: a component maps it onto its chart's
 * keys (`replicas`/`replicaCount`, `pdb`/`podDisruptionBudget`, `topologySpreadConstraints`), and
 * SecureDeployment onto its own objects. One rule everywhere: a PodDisruptionBudget
 * (maxUnavailable 1) and spread constraints only with more than one replica.
 */
export interface HighAvailability {
  readonly replicas: number;
  /** A PodDisruptionBudget with `maxUnavailable: 1` is wanted (more than one replica). */
  readonly disruptionBudget: boolean;
  /** Keeps replicas on distinct nodes or zones; empty for a single replica. */
  readonly topologySpreadConstraints: k8s.TopologySpreadConstraint[];
}

/** The HA add-on: what `availability` means for the pods selected by `selector`. */
export function ha(availability: Availability, selector: Readonly<Record<string, string>>): HighAvailability {
  const many = availability.replicas > 1;
  return {
    replicas: availability.replicas,
    disruptionBudget: many,
    topologySpreadConstraints: many ? spreadConstraints(availability.spread, { ...selector }) : [],
  };
}

/** Requests and limits in the shape every Helm chart uses. */
export interface HelmResources {
  readonly requests: { readonly cpu: string; readonly memory: string };
  readonly limits: { readonly cpu: string; readonly memory: string };
}

/** The named Resources shape (the one SecureDeployment takes) in the shape Helm charts take. */
export function helmResources(r: Resources): HelmResources {
  return { requests: { cpu: r.cpu.request, memory: r.memory.request }, limits: { cpu: r.cpu.limit, memory: r.memory.limit } };
}
