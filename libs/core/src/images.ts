import type { IConstruct } from 'constructs';
import { SynthError, reportProblem, showValue } from './errors';

const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST = /@sha256:[a-f0-9]{64}$/;

/**
 * Why an image reference is not pinned, or undefined when it is: an exact tag other than `latest`
 * (`repo:1.2.3`, a registry port is not a tag) or a digest (`repo@sha256:...`). The one rule used
 * by the workload helpers when rendering and by `validate` when checking dist/.
 */
export function unpinnedImage(image: unknown): string | undefined {
  if (typeof image !== 'string' || image.trim() === '')
    return `image is ${image === undefined ? 'not set' : JSON.stringify(image)}; an image reference is required`;
  if (/\s/.test(image)) return `image ${JSON.stringify(image)} contains whitespace`;
  if (DIGEST.test(image)) return undefined;
  const lastSegment = image.slice(image.lastIndexOf('/') + 1);
  const colon = lastSegment.indexOf(':');
  const tag = colon < 0 ? '' : lastSegment.slice(colon + 1);
  if (tag === '') return `image ${JSON.stringify(image)} has no tag; pin an exact version tag or a digest`;
  if (tag === 'latest') return `image ${JSON.stringify(image)} uses the "latest" tag; pin an exact version tag or a digest`;
  if (!TAG.test(tag)) return `image ${JSON.stringify(image)} has an invalid tag ${JSON.stringify(tag)}`;
  return undefined;
}

/**
 * Checks that an image is pinned (see unpinnedImage) and returns it. With the construct that uses
 * it, a problem is reported at `<construct>.<field>` and the construct goes on (see reportProblem);
 * without one, it throws a SynthError (composeCluster names the cluster file).
 */
export function assertPinnedImage(image: string, at?: IConstruct, field = 'image'): string {
  const problem = unpinnedImage(image);
  if (!problem) return image;
  const message = `got ${showValue(image)}, which is not pinned: ${problem}`;
  if (at) reportProblem(at, field, message);
  else throw new SynthError([{ file: '', path: field, message }]);
  return image;
}
