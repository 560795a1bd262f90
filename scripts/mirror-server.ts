// Test helper: a loopback HTTP mirror of a directory of pinned files, for the download paths of
// scripts/pinned-files.mjs (used by the validate and crds:import tests). Test code only.
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

/** What a tampered file gets appended, so its sha256 no longer matches the pin. */
export const TAMPER = '\n# tampered\n';

export interface MirrorServer {
  /** `http://127.0.0.1:<port>`. */
  readonly baseUrl: string;
  /** Paths requested so far (clear with `requests.length = 0`). */
  readonly requests: string[];
  /** Paths answered with altered content. */
  readonly tampered: Set<string>;
  close(): Promise<void>;
}

/** Serves the files of `dir` at `/<path>` (404 for anything else) on a free loopback port. */
export async function startMirror(dir: string): Promise<MirrorServer> {
  const requests: string[] = [];
  const tampered = new Set<string>();
  const server = createServer((request, response) => {
    const path = decodeURIComponent((request.url ?? '/').slice(1));
    requests.push(path);
    const file = join(dir, path);
    if (path.includes('..') || !existsSync(file)) {
      response.writeHead(404).end('not found');
      return;
    }
    const body = readFileSync(file);
    response.writeHead(200).end(tampered.has(path) ? Buffer.concat([body, Buffer.from(TAMPER)]) : body);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    tampered,
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}

/** A port nothing listens on: bind one, note it, close it. */
export async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((done) => probe.listen(0, '127.0.0.1', done));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((done) => probe.close(() => done()));
  return port;
}
