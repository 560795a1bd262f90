-- The api-db's bootstrap SQL, reviewed with the PostgREST API (libs/postgrest-api).
--
-- CloudNativePG runs it once, as the superuser, on the application database right after initdb
-- (`bootstrap.initdb.postInitApplicationSQLRefs`), and creates the cluster's managed roles only
-- AFTER it has finished. So this file never names a managed LOGIN role (`authenticator` does not
-- exist yet): it creates the NOLOGIN roles PostgREST switches to, the table, its privileges and
-- its row-level security. The managed role `authenticator` (LOGIN, NOINHERIT, password from Vault)
-- is then granted `web_anon` and `inventory_user` by the operator through its `inRoles`; the
-- operator revokes any membership not listed there, which is why no GRANT ... TO authenticator
-- appears here. If `web_anon` and `inventory_user` are also declared as managed roles (NOLOGIN),
-- the operator adopts the roles this file created.
--
-- Every statement is idempotent: running the file again changes nothing (the tests run it twice).
-- Plain SQL only (no psql meta-commands): the operator sends the file as one simple query.
--
-- How PostgREST uses it: it connects as `authenticator` and, per request, in one transaction,
-- `SET LOCAL ROLE` to the token's role (`resource_access.postgrest_api.roles[0]`, i.e.
-- `inventory_user`) or to `web_anon` without a token, and `set_config('request.jwt.claims', <claims>, true)`.
-- The token's subject (`sub`) is the owner of a row.

-- The roles PostgREST switches to: no login, no privileges of their own beyond what follows.
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'web_anon') THEN
    CREATE ROLE web_anon NOLOGIN;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'inventory_user') THEN
    CREATE ROLE inventory_user NOLOGIN;
  END IF;
END
$$;

-- Nothing for anybody by default: the anonymous role gets no schema, no table, no function.
REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO inventory_user;

CREATE TABLE IF NOT EXISTS public.products (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  price numeric(12, 2) NOT NULL CHECK (price >= 0),
  description text,
  -- The token's subject. `current_setting(..., true)` is NULL before any claims were set and ''
  -- after a transaction that set them ended: both give NULL here, which NOT NULL rejects.
  owner text NOT NULL DEFAULT (nullif(current_setting('request.jwt.claims', true), '')::json ->> 'sub')
);

COMMENT ON TABLE public.products IS 'Products; each row belongs to the token subject that created it (row-level security).';
COMMENT ON COLUMN public.products.owner IS 'The JWT subject (sub) of the creator: set by default, never by the client.';

-- CRUD for the API's user role. The owner column is never written by a client: INSERT and UPDATE
-- are granted on the other columns only, so the default above always decides who owns a row.
REVOKE ALL ON TABLE public.products FROM PUBLIC;
REVOKE ALL ON TABLE public.products FROM web_anon;
GRANT SELECT, DELETE ON TABLE public.products TO inventory_user;
GRANT INSERT (name, price, description), UPDATE (name, price, description) ON TABLE public.products TO inventory_user;

-- Each user sees and changes only their own rows. FORCE applies the policy to the table's owner
-- too (the superuser bypasses row-level security in any case; no API role owns the table).
ALTER TABLE public.products ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.products FORCE ROW LEVEL SECURITY;

DROP POLICY IF EXISTS products_owner ON public.products;
CREATE POLICY products_owner ON public.products
  AS PERMISSIVE
  FOR ALL
  TO inventory_user
  USING (owner = nullif(current_setting('request.jwt.claims', true), '')::json ->> 'sub')
  WITH CHECK (owner = nullif(current_setting('request.jwt.claims', true), '')::json ->> 'sub');
