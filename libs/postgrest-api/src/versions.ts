import type { ComponentVersions } from '@platform/core';

/**
 * PostgREST, pinned by tag (Docker Hub `postgrest/postgrest`, the image built from scratch by Nix,
 * user 1000). v16 takes RFC 9535 JSONPath for `jwt-role-claim-key` (`$.a.b[0]`); its admin server
 * serves `/live`, `/ready` and `/metrics`. Bump: the tag, then re-read the CHANGELOG's migration notes.
 */
export const POSTGREST_VERSION = 'v16.2';
export const POSTGREST_IMAGE = `docker.io/postgrest/postgrest:${POSTGREST_VERSION}`;

/**
 * The runtime of the JWKS follower sidecar (a plain Node script mounted from a ConfigMap, no
 * dependencies): the official Node image, LTS line, Alpine variant, pinned by its full tag. Its
 * `node` user is uid 1000, the same as PostgREST's, so the follower may signal PostgREST.
 */
export const FOLLOWER_IMAGE = 'docker.io/library/node:26.13.0-alpine3.24';

/** Every version the PostgREST API pins (see ComponentVersions): images only, no chart. */
export const POSTGREST_API_VERSIONS: ComponentVersions = { valuesSchema: 'none' };
