-- Test fixture: a bootstrap file that creates the NOLOGIN roles the managed LOGIN role is granted.
CREATE ROLE web_anon NOLOGIN;
CREATE ROLE inventory_user NOLOGIN;
