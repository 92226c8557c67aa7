CREATE TABLE admin_audit_log (
    id TEXT PRIMARY KEY,
    at INTEGER NOT NULL,
    actor_id TEXT NOT NULL,
    actor_email TEXT NOT NULL,
    action TEXT NOT NULL,
    target_type TEXT NOT NULL,
    target_id TEXT NOT NULL,
    before_state TEXT,
    after_state TEXT,
    request_id TEXT NOT NULL,
    client_ip TEXT NOT NULL
);
CREATE INDEX admin_audit_at ON admin_audit_log (at, id);
CREATE INDEX admin_audit_actor ON admin_audit_log (actor_id, at, id);
CREATE INDEX admin_audit_action ON admin_audit_log (action, at, id);
CREATE INDEX admin_audit_target ON admin_audit_log (target_type, target_id, at, id);
