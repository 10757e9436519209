-- PostgreSQL only: the role that runs the app (and owns the tables, as the migrations run as it)
-- may add audit entries but not change or remove them. A trigger refuses UPDATE, DELETE and
-- TRUNCATE as a second guard, also for a superuser or a role that is given those rights later.
-- With a separate owner role, grant the app role only: GRANT SELECT, INSERT ON audit_log TO <app role>.
REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM PUBLIC;
REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM CURRENT_USER;

CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();
