CREATE TABLE admin_audit_log (
    id VARCHAR(36) NOT NULL PRIMARY KEY,
    at BIGINT NOT NULL,
    actor_id VARCHAR(36) NOT NULL,
    actor_email VARCHAR(254) NOT NULL,
    action VARCHAR(64) NOT NULL,
    target_type VARCHAR(32) NOT NULL,
    target_id VARCHAR(191) NOT NULL,
    -- VARCHAR, not TEXT: MySQL reports TEXT as BLOB, which the Any driver will not read as a
    -- string. 7,500 characters each (admin's store keeps a larger state's scalar fields).
    before_state VARCHAR(7500),
    after_state VARCHAR(7500),
    request_id VARCHAR(64) NOT NULL,
    client_ip VARCHAR(64) NOT NULL,
    KEY admin_audit_at (at, id),
    KEY admin_audit_actor (actor_id, at, id),
    KEY admin_audit_action (action, at, id),
    KEY admin_audit_target (target_type, target_id, at, id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
