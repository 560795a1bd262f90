import type { Component } from './component';
import type { Platform } from './platform';

/** A capability one component provides to the whole cluster. */
export class Capability<T> {
  constructor(
    /** For messages: `monitoring`, `ingress`. */
    readonly name: string,
  ) {}

  /** @internal Type marker. */
  declare readonly value: T;
}

/** Announces that `value.component` provides `capability` to its cluster (once per cluster). */
export function provide<T extends { readonly component: Component }>(capability: Capability<T>, value: T): void {
  value.component.platform.provide(capability, value.component.name, value);
}

/** The provider of `capability` in this cluster, or undefined. Read it inside an add-on, after composition. */
export function providerOf<T>(platform: Platform, capability: Capability<T>): T | undefined {
  return platform.providerOf(capability) as T | undefined;
}
