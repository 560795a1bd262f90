import { describe, expect, test } from 'vitest';
import { ha, helmResources } from '@platform/core';

describe('the HA add-on', () => {
  test('one replica: no disruption budget, no spread', () => {
    expect(ha({ replicas: 1, spread: 'zone' }, { app: 'x' })).toEqual({
      replicas: 1,
      disruptionBudget: false,
      topologySpreadConstraints: [],
    });
  });

  test('several replicas over zones: a budget, hard spread over zones and soft over nodes, on the given selector', () => {
    const h = ha({ replicas: 3, spread: 'zone' }, { app: 'x' });
    expect(h.disruptionBudget).toBe(true);
    expect(h.topologySpreadConstraints.map((c) => [c.topologyKey, c.whenUnsatisfiable, c.labelSelector])).toEqual([
      ['topology.kubernetes.io/zone', 'DoNotSchedule', { matchLabels: { app: 'x' } }],
      ['kubernetes.io/hostname', 'ScheduleAnyway', { matchLabels: { app: 'x' } }],
    ]);
  });

  test('several replicas over nodes: hard spread over nodes only', () => {
    expect(ha({ replicas: 2, spread: 'hostname' }, { app: 'x' }).topologySpreadConstraints.map((c) => c.topologyKey)).toEqual([
      'kubernetes.io/hostname',
    ]);
  });

  test('resources: one named shape, in the shape charts take', () => {
    expect(helmResources({ cpu: { request: '50m', limit: '500m' }, memory: { request: '128Mi', limit: '512Mi' } })).toEqual({
      requests: { cpu: '50m', memory: '128Mi' },
      limits: { cpu: '500m', memory: '512Mi' },
    });
  });
});
