-- Roles per municipality (issue 21): an account belongs to one member municipality of a region (gemeente,
-- e.g. GM0990) or, with NULL, to the whole installation; and the role 'rekenkamer' (reads the whole region,
-- writes nothing). PostgreSQL changes the table in place, so grants on it stay (SQLite rebuilds it:
-- auth_005_account_gemeente.sqlite.sql). accounts_role_check is the name PostgreSQL gave the column's CHECK.

ALTER TABLE accounts ADD COLUMN gemeente TEXT;
ALTER TABLE accounts DROP CONSTRAINT accounts_role_check;
ALTER TABLE accounts ADD CONSTRAINT accounts_role_check
    CHECK (role IN ('raadslid', 'griffie', 'ambtenaar', 'beheerder', 'rekenkamer'));
