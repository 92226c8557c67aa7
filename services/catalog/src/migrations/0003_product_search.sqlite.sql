-- Full-text search over name and description (FTS5, external content = products, kept in step
-- by triggers). The index points at products' implicit rowid: after a VACUUM (which may
-- renumber rowids of a table without an INTEGER PRIMARY KEY) run
-- INSERT INTO products_search (products_search) VALUES ('rebuild').
-- Each trigger stays on one line: migrations are split into statements at line-ending ';'.
CREATE VIRTUAL TABLE products_search USING fts5 (name, description, content = 'products', content_rowid = 'rowid', tokenize = 'unicode61 remove_diacritics 2');
INSERT INTO products_search (products_search) VALUES ('rebuild');
CREATE TRIGGER products_search_insert AFTER INSERT ON products BEGIN INSERT INTO products_search (rowid, name, description) VALUES (new.rowid, new.name, new.description); END;
CREATE TRIGGER products_search_delete AFTER DELETE ON products BEGIN INSERT INTO products_search (products_search, rowid, name, description) VALUES ('delete', old.rowid, old.name, old.description); END;
CREATE TRIGGER products_search_update AFTER UPDATE OF name, description ON products BEGIN INSERT INTO products_search (products_search, rowid, name, description) VALUES ('delete', old.rowid, old.name, old.description); INSERT INTO products_search (rowid, name, description) VALUES (new.rowid, new.name, new.description); END;
