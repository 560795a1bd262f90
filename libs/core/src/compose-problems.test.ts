import { describe, expect, test } from 'vitest';
import { z } from 'zod';
import {
  Component,
  Namespace,
  Platform,
  SynthError,
  parseComponentProps,
  renderTestCluster,
  replicasSchema,
  strictObject,
} from '@platform/core';

const schema = strictObject({ replicas: replicasSchema().optional(), image: z.string() });

class Web extends Component {
  constructor(scope: Platform, id: string, props: unknown, namespace = Namespace.restricted(id)) {
    parseComponentProps(scope, id, schema, props);
    super(scope, id, { namespace, project: 'apps' });
  }
}

function problems(compose: (p: Platform) => void): string[] {
  try {
    renderTestCluster(compose);
  } catch (error) {
    if (error instanceof SynthError) return error.problems.map((p) => `${p.path}: ${p.message}`);
    throw error;
  }
  throw new Error('expected synth to fail');
}

describe('composition lists the problems of every component, not only the first', () => {
  test('bad optional fields of two components and a bad namespace of a third, in one run', () => {
    expect(
      problems((p) => {
        new Web(p, 'a', { image: 'a:1', replicas: 0 });
        new Web(p, 'b', { image: 'b:1', replica: 2 });
        new Web(p, 'c', { image: 'c:1' }, Namespace.privileged('c', { reason: ' ' }));
      }),
    ).toEqual([
      'components.a.replicas: got 0, replicas must be an integer ≥ 1',
      'components.b.replica: unknown field "replica"; allowed: image, replicas',
      'components.c.namespace: namespace c: Pod Security privileged needs a reason (restricted is the default for a reason)',
    ]);
  });

  test('a required field in error stops that component, after the problems recorded before it', () => {
    expect(
      problems((p) => {
        new Web(p, 'a', { image: 'a:1', replicas: 0 });
        new Web(p, 'b', {});
        new Web(p, 'c', { image: 'c:1', replicas: -1 });
      }),
    ).toEqual(['components.a.replicas: got 0, replicas must be an integer ≥ 1', 'components.b.image: got nothing, expected string']);
  });
});
