import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** The JWKS follower's script, as a path from the repository root (mounted into the sidecar from a ConfigMap). */
export const FOLLOWER_SCRIPT_FILE = 'libs/postgrest-api/jwks-follower/follower.mjs';

/** The script's text, read from the repository root (synth and tests run there). */
export const FOLLOWER_SCRIPT: string = readFileSync(resolve(FOLLOWER_SCRIPT_FILE), 'utf8');
