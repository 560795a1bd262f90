// The api-db's bootstrap SQL on a real PostgreSQL 18 server, in the order CloudNativePG applies it
// (the SQL as superuser on the application database, then the managed roles), used the way
// PostgREST uses it: connected as `authenticator`, one transaction per request with
// `SET LOCAL ROLE <role>` and `set_config('request.jwt.claims', <claims>, true)`.
import { mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type PgClient, type TestPostgres, hydrate, startPostgres } from './testing/postgres';
import { BOOTSTRAP_SQL_FILE } from './sql';

const SQL = readFileSync(join(__dirname, '..', '..', '..', BOOTSTRAP_SQL_FILE), 'utf8');
const APP_DB = 'app';

let server: TestPostgres;
let superuser: PgClient;
let api: PgClient;

/** One PostgREST request: the role and claims PostgREST would set, then `fn`, in one transaction. */
async function request<T>(role: string, claims: object | undefined, fn: (c: PgClient) => Promise<T>): Promise<T> {
  await api.query('BEGIN');
  try {
    await api.query(`SET LOCAL ROLE ${role}`);
    if (claims) await api.query(`SELECT set_config('request.jwt.claims', $1, true)`, [JSON.stringify(claims)]);
    const result = await fn(api);
    await api.query('COMMIT');
    return result;
  } catch (error) {
    await api.query('ROLLBACK');
    throw error;
  }
}

const token = (sub: string) => ({ sub, aud: 'postgrest_api', resource_access: { postgrest_api: { roles: ['inventory_user'] } } });
const alice = token('alice-subject');
const bob = token('bob-subject');

beforeAll(async () => {
  server = await startPostgres();
  const admin = await server.connect('postgres', 'postgres');
  // What initdb of a CNPG cluster leaves: the application database and its owner.
  await admin.query(`CREATE ROLE app LOGIN`);
  await admin.query(`CREATE DATABASE ${APP_DB} OWNER app`);
  await admin.end();
  superuser = await server.connect('postgres', APP_DB);
  // postInitApplicationSQLRefs: the file as one simple query, as superuser, before any managed role exists.
  await superuser.query(SQL);
  // Then CNPG's managed role: authenticator LOGIN NOINHERIT, in the roles its inRoles lists.
  await superuser.query(`CREATE ROLE authenticator LOGIN NOINHERIT`);
  await superuser.query(`GRANT web_anon, inventory_user TO authenticator`);
  api = await server.connect('authenticator', APP_DB);
}, 120_000);

afterAll(async () => {
  await api?.end();
  await superuser?.end();
  await server?.stop();
});

describe('bootstrap.sql on PostgreSQL 18', () => {
  test('the server is the major version the clusters run', () => {
    expect(server.majorVersion).toBe(18);
  });

  test("hydrate() re-creates the package's shared-library links, and a second call keeps them", () => {
    const pkg = mkdtempSync(join(tmpdir(), 'hydrate-'));
    try {
      mkdirSync(join(pkg, 'native', 'lib'), { recursive: true });
      writeFileSync(join(pkg, 'native', 'lib', 'libx.so.1.2'), '');
      writeFileSync(
        join(pkg, 'native', 'pg-symlinks.json'),
        JSON.stringify([{ source: 'native/lib/libx.so.1.2', target: 'native/lib/libx.so.1' }]),
      );
      hydrate(pkg);
      hydrate(pkg);
      expect(readlinkSync(join(pkg, 'native', 'lib', 'libx.so.1'))).toBe('libx.so.1.2');
    } finally {
      rmSync(pkg, { recursive: true, force: true });
    }
  });

  test('is idempotent: a second run changes nothing and fails nothing', async () => {
    await superuser.query(SQL);
    const { rows } = await superuser.query(`SELECT polname FROM pg_policy WHERE polrelid = 'public.products'::regclass`);
    expect(rows).toEqual([{ polname: 'products_owner' }]);
  });

  test('creates the NOLOGIN roles itself and never names the managed login role', async () => {
    const { rows } = await superuser.query(
      `SELECT rolname, rolcanlogin, rolinherit FROM pg_roles WHERE rolname IN ('web_anon', 'inventory_user', 'authenticator') ORDER BY rolname`,
    );
    expect(rows).toEqual([
      { rolname: 'authenticator', rolcanlogin: true, rolinherit: false },
      { rolname: 'inventory_user', rolcanlogin: false, rolinherit: true },
      { rolname: 'web_anon', rolcanlogin: false, rolinherit: true },
    ]);
    const statements = SQL.replace(/--.*$/gm, '');
    expect(statements).not.toMatch(/authenticator/i);
  });

  test('row-level security is enabled and forced on public.products, with USING and WITH CHECK', async () => {
    const { rows } = await superuser.query(
      `SELECT c.relrowsecurity, c.relforcerowsecurity, p.polcmd, pg_get_expr(p.polqual, p.polrelid) AS using_expr,
              pg_get_expr(p.polwithcheck, p.polrelid) AS check_expr
         FROM pg_class c JOIN pg_policy p ON p.polrelid = c.oid WHERE c.oid = 'public.products'::regclass`,
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ relrowsecurity: true, relforcerowsecurity: true, polcmd: '*' });
    expect(rows[0]!.using_expr).toContain('request.jwt.claims');
    expect(rows[0]!.check_expr).toContain('request.jwt.claims');
  });

  test('authenticator itself (NOINHERIT) can read nothing before it switches role', async () => {
    await expect(api.query('SELECT * FROM public.products')).rejects.toThrow(/permission denied/);
  });

  test('web_anon reads nothing: no privilege on the schema or the table', async () => {
    await expect(request('web_anon', undefined, (c) => c.query('SELECT * FROM public.products'))).rejects.toThrow(/permission denied/);
    await expect(
      request('web_anon', undefined, (c) => c.query(`INSERT INTO public.products (name, price) VALUES ('x', 1)`)),
    ).rejects.toThrow(/permission denied/);
  });

  test('inventory_user inserts rows owned by its own subject and sees only those', async () => {
    const inserted = await request('inventory_user', alice, (c) =>
      c.query<{ id: string; owner: string }>(
        `INSERT INTO public.products (name, price, description) VALUES ('widget', 9.5, 'blue'), ('gadget', 20, NULL) RETURNING id, owner`,
      ),
    );
    expect(inserted.rows.map((r) => r.owner)).toEqual([alice.sub, alice.sub]);
    await request('inventory_user', bob, (c) => c.query(`INSERT INTO public.products (name, price) VALUES ('bolt', 0.25)`));

    const aliceSees = await request('inventory_user', alice, (c) =>
      c.query<{ name: string; owner: string }>('SELECT name, owner FROM public.products ORDER BY id'),
    );
    expect(aliceSees.rows).toEqual([
      { name: 'widget', owner: alice.sub },
      { name: 'gadget', owner: alice.sub },
    ]);
    const bobSees = await request('inventory_user', bob, (c) => c.query<{ name: string }>('SELECT name FROM public.products'));
    expect(bobSees.rows).toEqual([{ name: 'bolt' }]);
    // Everything is there (the superuser bypasses RLS): the policy filters, nothing was lost.
    expect((await superuser.query('SELECT count(*)::int AS n FROM public.products')).rows).toEqual([{ n: 3 }]);
  });

  test("another subject can neither read, update nor delete someone's rows", async () => {
    const { rows } = await superuser.query<{ id: string }>(`SELECT id FROM public.products WHERE owner = $1 ORDER BY id LIMIT 1`, [
      alice.sub,
    ]);
    const id = rows[0]!.id;
    const read = await request('inventory_user', bob, (c) => c.query('SELECT * FROM public.products WHERE id = $1', [id]));
    expect(read.rowCount).toBe(0);
    const updated = await request('inventory_user', bob, (c) => c.query(`UPDATE public.products SET price = 0 WHERE id = $1`, [id]));
    expect(updated.rowCount).toBe(0);
    const deleted = await request('inventory_user', bob, (c) => c.query(`DELETE FROM public.products WHERE id = $1`, [id]));
    expect(deleted.rowCount).toBe(0);
    expect((await superuser.query(`SELECT price::text FROM public.products WHERE id = $1`, [id])).rows).toEqual([{ price: '9.50' }]);
  });

  test('the owner updates and deletes its own rows', async () => {
    const updated = await request('inventory_user', alice, (c) =>
      c.query(`UPDATE public.products SET price = price + 1 WHERE name = 'gadget'`),
    );
    expect(updated.rowCount).toBe(1);
    const deleted = await request('inventory_user', alice, (c) => c.query(`DELETE FROM public.products WHERE name = 'gadget'`));
    expect(deleted.rowCount).toBe(1);
  });

  test('no client chooses the owner: not on insert, not by update', async () => {
    await expect(
      request('inventory_user', bob, (c) => c.query(`INSERT INTO public.products (name, price, owner) VALUES ('x', 1, $1)`, [alice.sub])),
    ).rejects.toThrow(/permission denied/);
    await expect(request('inventory_user', bob, (c) => c.query(`UPDATE public.products SET owner = $1`, [alice.sub]))).rejects.toThrow(
      /permission denied/,
    );
  });

  test('without a subject nothing is written and nothing is seen', async () => {
    await expect(
      request('inventory_user', undefined, (c) => c.query(`INSERT INTO public.products (name, price) VALUES ('orphan', 1)`)),
    ).rejects.toThrow(/null value in column "owner"|row-level security/);
    const seen = await request('inventory_user', { aud: 'postgrest_api' }, (c) => c.query('SELECT * FROM public.products'));
    expect(seen.rowCount).toBe(0);
  });
});
