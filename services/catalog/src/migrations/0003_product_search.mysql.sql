-- Full-text search over name and description. A side table, because products' binary
-- collation would make an InnoDB FULLTEXT index case-sensitive; triggers keep it in step
-- (the update trigger does nothing unless the text changed, so stock updates stay cheap).
CREATE TABLE products_search (
    product_id VARCHAR(36) NOT NULL PRIMARY KEY,
    body VARCHAR(5300) NOT NULL,
    FULLTEXT KEY products_search_body (body)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_general_ci;
INSERT INTO products_search (product_id, body) SELECT id, CONCAT(name, ' ', description) FROM products;
CREATE TRIGGER products_search_insert AFTER INSERT ON products FOR EACH ROW INSERT INTO products_search (product_id, body) VALUES (NEW.id, CONCAT(NEW.name, ' ', NEW.description));
CREATE TRIGGER products_search_update AFTER UPDATE ON products FOR EACH ROW BEGIN IF NEW.name <> OLD.name OR NEW.description <> OLD.description THEN UPDATE products_search SET body = CONCAT(NEW.name, ' ', NEW.description) WHERE product_id = NEW.id; END IF; END;
CREATE TRIGGER products_search_delete AFTER DELETE ON products FOR EACH ROW DELETE FROM products_search WHERE product_id = OLD.id;
