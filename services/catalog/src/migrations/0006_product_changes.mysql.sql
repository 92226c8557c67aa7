-- The search index's outbox: every change of a product that a search can see (its words,
-- price, category, visibility, creation time) appends a row here in the same transaction, so
-- each catalog replica's index (store/search_index.rs) follows the table by sequence number.
-- Stock changes do not: no search reads stock. Old rows are pruned (the newest never is, so
-- the sequence cannot start again below what a replica has read).
CREATE TABLE product_changes (
    seq BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    product_id VARCHAR(36) NOT NULL,
    changed_at BIGINT NOT NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
CREATE TRIGGER product_changes_insert AFTER INSERT ON products FOR EACH ROW INSERT INTO product_changes (product_id, changed_at) VALUES (NEW.id, CAST(UNIX_TIMESTAMP(CURRENT_TIMESTAMP(3)) * 1000 AS SIGNED));
CREATE TRIGGER product_changes_update AFTER UPDATE ON products FOR EACH ROW BEGIN IF NOT (NEW.name <=> OLD.name AND NEW.description <=> OLD.description AND NEW.price <=> OLD.price AND NEW.category_id <=> OLD.category_id AND NEW.active <=> OLD.active AND NEW.created_at <=> OLD.created_at) THEN INSERT INTO product_changes (product_id, changed_at) VALUES (NEW.id, CAST(UNIX_TIMESTAMP(CURRENT_TIMESTAMP(3)) * 1000 AS SIGNED)); END IF; END;
CREATE TRIGGER product_changes_delete AFTER DELETE ON products FOR EACH ROW INSERT INTO product_changes (product_id, changed_at) VALUES (OLD.id, CAST(UNIX_TIMESTAMP(CURRENT_TIMESTAMP(3)) * 1000 AS SIGNED));
