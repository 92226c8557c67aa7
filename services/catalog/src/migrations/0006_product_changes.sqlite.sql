-- The search index's outbox: every change of a product that a search can see (its words,
-- price, category, visibility, creation time) appends a row here in the same transaction, so
-- each catalog replica's index (store/search_index.rs) follows the table by sequence number.
-- Stock changes do not: no search reads stock. Old rows are pruned (the newest never is, so
-- the sequence cannot start again below what a replica has read).
CREATE TABLE product_changes (seq INTEGER PRIMARY KEY AUTOINCREMENT, product_id TEXT NOT NULL, changed_at INTEGER NOT NULL);
CREATE TRIGGER product_changes_insert AFTER INSERT ON products BEGIN INSERT INTO product_changes (product_id, changed_at) VALUES (new.id, CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)); END;
CREATE TRIGGER product_changes_update AFTER UPDATE ON products WHEN new.name IS NOT old.name OR new.description IS NOT old.description OR new.price IS NOT old.price OR new.category_id IS NOT old.category_id OR new.active IS NOT old.active OR new.created_at IS NOT old.created_at BEGIN INSERT INTO product_changes (product_id, changed_at) VALUES (new.id, CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)); END;
CREATE TRIGGER product_changes_delete AFTER DELETE ON products BEGIN INSERT INTO product_changes (product_id, changed_at) VALUES (old.id, CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)); END;
