/**
 * The api-db's bootstrap SQL (reviewed with this library), as a path from the repository root: the
 * cluster file passes it to the PostgresCluster (`bootstrapSql: { file: BOOTSTRAP_SQL_FILE }`).
 * It creates the NOLOGIN roles `web_anon` and `inventory_user`, `public.products` and its
 * row-level security; the LOGIN role `authenticator` is a CNPG managed role (see the file's header).
 */
export const BOOTSTRAP_SQL_FILE = 'libs/postgrest-api/sql/bootstrap.sql';

/** The database roles the SQL creates and PostgREST switches to. */
export const API_DB_ROLES = { anonymous: 'web_anon', user: 'inventory_user' } as const;

/** The CNPG managed LOGIN role PostgREST connects as (NOINHERIT, in both roles above). */
export const AUTHENTICATOR_ROLE = 'authenticator';
