// Errors a new user meets first: each names the cluster file, the field path, the value received
// and what is allowed, and every problem of a cluster is reported at once.
import { Chart, Testing } from 'cdk8s';
import { describe, expect, test } from 'vitest';
import {
  Component,
  Namespace,
  Platform,
  SecureDeployment,
  SecureDeploymentProps,
  SynthError,
  additionalValuesSchema,
  assertPinnedImage,
  composeCluster,
  defineCluster,
  formatProblem,
  oncePerCluster,
  parseComponentProps,
  renderCluster,
  reportProblem,
  strictObject,
  testSpec,
} from '@platform/core';

const FILE = 'clusters/test.ts';

/** The problems synth prints (`file: path: message`) when composing and rendering `compose` fails. */
function problemsOf(compose: (p: Platform) => void, spec: unknown = testSpec()): string[] {
  try {
    renderCluster(defineCluster(spec as never, compose), FILE);
  } catch (error) {
    if (error instanceof SynthError) return error.problems.map(formatProblem);
    throw error;
  }
  throw new Error('expected synth to fail');
}

/** A component with a chart-values escape hatch, validated like the real ones. */
class Dummy extends Component {
  constructor(scope: Platform, id: string, props: { additionalValues?: unknown } = {}) {
    parseComponentProps(scope, id, strictObject({ additionalValues: additionalValuesSchema().optional() }), props);
    super(scope, id, { namespace: Namespace.restricted('apps'), project: 'apps' });
  }
}

/** A component a cluster has one of. */
class Controller extends Component {
  constructor(scope: Platform, id: string) {
    super(scope, id, { namespace: Namespace.restricted('controller'), project: 'infrastructure' });
  }
}
oncePerCluster(Controller, 'Controller', 'it manages the whole cluster');

const deployment: SecureDeploymentProps = {
  name: 'web',
  namespace: 'apps',
  image: 'ghcr.io/example/web:1.2.3',
  replicas: 1,
  resources: { cpu: { request: '100m', limit: '500m' }, memory: { request: '128Mi', limit: '256Mi' } },
  port: { name: 'http', containerPort: 3000 },
  liveness: { path: '/live', port: 3001 },
  readiness: { path: '/ready', port: 3001 },
};

/** A component running one SecureDeployment named like the component. */
class Web extends Component {
  constructor(scope: Platform, id: string, props: Partial<SecureDeploymentProps>) {
    super(scope, id, { namespace: Namespace.restricted('apps'), project: 'apps' });
    new SecureDeployment(this, id, { ...deployment, name: id, ...props });
  }
}

describe('azs', () => {
  test('a string is not a list of zones', () => {
    expect(problemsOf(() => undefined, testSpec({ azs: 'eu-west-1a' as never }))).toEqual([
      'clusters/test.ts: spec.azs: got a string ("eu-west-1a"), expected a list of zone names such as ["eu-west-1a"]',
    ]);
  });

  test('a list still counts zones, and a zone is a string', () => {
    expect(problemsOf(() => undefined, testSpec({ azs: ['eu-west-1a', 'eu-west-1b', 'eu-west-1c', 'eu-west-1d'] }))).toEqual([
      'clusters/test.ts: spec.azs: got 4 zones, a cluster has 1 to 3 availability zones',
    ]);
    expect(problemsOf(() => undefined, testSpec({ azs: [] }))).toEqual([
      'clusters/test.ts: spec.azs: got [], a cluster needs 1 to 3 availability zones',
    ]);
    expect(problemsOf(() => undefined, testSpec({ azs: ['eu-west-1a', 3 as never] }))).toEqual([
      'clusters/test.ts: spec.azs[1]: got 3, expected a zone name (a string such as "eu-west-1a")',
    ]);
  });
});

describe('additionalValues', () => {
  test.each([
    ['a string', 'replicas: 2', 'got "replicas: 2", expected a map of chart values (an object)'],
    ['a list', [{ replicas: 2 }], 'got [{"replicas":2}], expected a map of chart values (an object)'],
  ])('%s is not a map of chart values', (_case, value, message) => {
    expect(problemsOf((p) => new Dummy(p, 'web', { additionalValues: value }))).toEqual([
      `clusters/test.ts: components.web.additionalValues: ${message}`,
    ]);
  });
});

describe('component names', () => {
  test('a duplicate id is reported in our words, and composition goes on', () => {
    const problems = problemsOf((p) => {
      new Dummy(p, 'web');
      new Dummy(p, 'web');
      new Web(p, 'api', { replicas: 0 });
    });
    expect(problems).toEqual([
      'clusters/test.ts: components.web: declared twice: component names are unique per cluster',
      'clusters/test.ts: components.api.api.replicas: got 0, replicas must be an integer ≥ 1',
    ]);
    expect(problems.join('\n')).not.toContain('There is already a Construct');
  });

  test('a once-per-cluster component under a second name fails naming both', () => {
    expect(
      problemsOf((p) => {
        new Controller(p, 'controller');
        new Controller(p, 'controller-2');
      }),
    ).toEqual([
      'clusters/test.ts: components.controller-2: got a second Controller (the first is "controller"): Controller is once per cluster (it manages the whole cluster); remove one',
    ]);
  });

  test('once per cluster is about that class only', () => {
    expect(() =>
      renderCluster(
        defineCluster(testSpec(), (p) => {
          new Controller(p, 'controller');
          new Dummy(p, 'a');
          new Dummy(p, 'b');
        }),
        FILE,
      ),
    ).not.toThrow();
  });
});

describe('problems inside constructs name the component and the field', () => {
  test('the problems of every component are collected before synth fails', () => {
    expect(
      problemsOf((p) => {
        new Web(p, 'web', { replicas: 0 });
        new Web(p, 'api', { image: 'nginx' });
        new Web(p, 'ok', {});
        new Web(p, 'worker', { image: 'ghcr.io/example/worker:latest', replicas: 1.5 });
      }),
    ).toEqual([
      'clusters/test.ts: components.web.web.replicas: got 0, replicas must be an integer ≥ 1',
      'clusters/test.ts: components.api.api.image: got "nginx", which is not pinned: image "nginx" has no tag; pin an exact version tag or a digest',
      'clusters/test.ts: components.worker.worker.replicas: got 1.5, replicas must be an integer ≥ 1',
      'clusters/test.ts: components.worker.worker.image: got "ghcr.io/example/worker:latest", which is not pinned: image "ghcr.io/example/worker:latest" uses the "latest" tag; pin an exact version tag or a digest',
    ]);
  });

  test('an invalid optional prop does not stop composition: the components after it are checked too', () => {
    expect(
      problemsOf((p) => {
        new Web(p, 'web', { replicas: 0 });
        new Dummy(p, 'api', { additionalValues: 'x' });
        new Web(p, 'after', { replicas: 0 });
      }),
    ).toEqual([
      'clusters/test.ts: components.web.web.replicas: got 0, replicas must be an integer ≥ 1',
      'clusters/test.ts: components.api.additionalValues: got "x", expected a map of chart values (an object)',
      'clusters/test.ts: components.after.after.replicas: got 0, replicas must be an integer ≥ 1',
    ]);
  });

  test('a problem reported after composition (in whenComplete) fails at once, with its path', () => {
    expect(
      problemsOf((p) => {
        const web = new Web(p, 'web', {});
        p.whenComplete(() => reportProblem(web, 'late', 'got "x", expected "y"'));
      }),
    ).toEqual(['clusters/test.ts: components.web.late: got "x", expected "y"']);
  });

  test('a helper without a construct gets the cluster file from composition', () => {
    expect(
      problemsOf(() => {
        assertPinnedImage('nginx:latest');
      }),
    ).toEqual([
      'clusters/test.ts: image: got "nginx:latest", which is not pinned: image "nginx:latest" uses the "latest" tag; pin an exact version tag or a digest',
    ]);
  });

  test('outside a cluster (a bare cdk8s Chart), a problem throws at once with the construct path', () => {
    const chart = new Chart(Testing.app(), 'test');
    expect(() => new SecureDeployment(chart, 'web', { ...deployment, replicas: 0 })).toThrow(SynthError);
    expect(() => new SecureDeployment(chart, 'web2', { ...deployment, replicas: 0 })).toThrow(
      'test.web2.replicas: got 0, replicas must be an integer ≥ 1',
    );
  });

  test('a valid cluster records nothing', () => {
    const composed = composeCluster(
      defineCluster(testSpec(), (p) => new Web(p, 'web', {})),
      FILE,
    );
    expect(composed.platform.problems).toEqual([]);
  });
});

describe('problem format', () => {
  test('an empty path or file is left out, not printed as ": :"', () => {
    expect(formatProblem({ file: 'clusters/', path: '', message: 'no cluster files: add clusters/<name>.ts' })).toBe(
      'clusters/: no cluster files: add clusters/<name>.ts',
    );
    expect(formatProblem({ file: '', path: 'image', message: 'got "x"' })).toBe('image: got "x"');
    expect(formatProblem({ file: FILE, path: 'spec.name', message: 'got "x"' })).toBe('clusters/test.ts: spec.name: got "x"');
  });
});
