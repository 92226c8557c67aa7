#!/usr/bin/env bash
# Restore rehearsal (issue 13): the nightly backup's own script (helm/wayfare/files/backup.sh)
# against the real MariaDB CI runs (127.0.0.1:3306, root, no password):
#   1. a throwaway source database wf_restore_src_<pid>, filled by the wayfare binary itself
#      (`wayfare migrate` + `wayfare seed`, every service's tables) when it has been built, else
#      by a fixture covering the awkward types (utf8mb4, binary, NULL, views, triggers);
#   2. backup.sh dump -> backup.sh restore into a fresh wf_restore_<pid> -> backup.sh verify
#      (row counts and CHECKSUM TABLE of every table equal the source's manifest);
#   3. with the binary: the platform started on the restored database answers
#      GET /api/catalog/products?limit=1 with the seeded products;
#   4. both databases are dropped, whatever happened.
# Skips (exit 0) when no MariaDB answers, unless CI=true.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
backup="$repo/deploy/helm/wayfare/files/backup.sh"
export DB_HOST="${DB_HOST:-127.0.0.1}" DB_PORT="${DB_PORT:-3306}" DB_USER="${DB_USER:-root}" DB_PASSWORD="${DB_PASSWORD:-}"
bin="${WAYFARE_BIN:-}"
if [ -z "$bin" ]; then
  for candidate in "$repo/target/debug/wayfare" "$repo/target/release/wayfare"; do
    if [ -x "$candidate" ]; then bin="$candidate"; break; fi
  done
fi

mysql_() { MYSQL_PWD="$DB_PASSWORD" "$(command -v mariadb || command -v mysql)" -h "$DB_HOST" -P "$DB_PORT" -u "$DB_USER" --default-character-set=utf8mb4 "$@"; }
if ! command -v mariadb >/dev/null 2>&1 && ! command -v mysql >/dev/null 2>&1; then
  if [ "${CI:-}" = true ]; then echo "no mariadb/mysql client" >&2; exit 1; fi
  echo "restore rehearsal: skipped (no mariadb client)"; exit 0
fi
if ! mysql_ -e "SELECT 1" >/dev/null 2>&1; then
  if [ "${CI:-}" = true ]; then echo "no MariaDB at $DB_HOST:$DB_PORT" >&2; exit 1; fi
  echo "restore rehearsal: skipped (no MariaDB at $DB_HOST:$DB_PORT)"; exit 0
fi

src="wf_restore_src_$$"; dst="wf_restore_$$"
work="$(mktemp -d -t wf-restore.XXXXXX)"; server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  mysql_ -e "DROP DATABASE IF EXISTS \`$src\`; DROP DATABASE IF EXISTS \`$dst\`" || true
  rm -rf "$work"
}
trap cleanup EXIT

mysql_ -e "CREATE DATABASE \`$src\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
if [ -n "$bin" ]; then
  echo "source: $src, schema and demo data from $bin"
  (cd "$work" && WAYFARE_DATABASE_URL="mysql://$DB_USER@$DB_HOST:$DB_PORT/$src" WAYFARE_DATA_DIR="$work/data" \
     WAYFARE_LOG_FORMAT=json RUST_LOG=warn sh -c '"$0" migrate && "$0" seed' "$bin" >"$work/seed.log" 2>&1) \
    || { cat "$work/seed.log"; exit 1; }
else
  echo "source: $src, fixture (no wayfare binary built)"
  mysql_ "$src" <<'SQL'
CREATE TABLE products (id VARCHAR(36) PRIMARY KEY, name VARCHAR(200) NOT NULL, price BIGINT NOT NULL,
  image BLOB NULL, updated_at BIGINT NOT NULL) COLLATE utf8mb4_bin;
CREATE TABLE audit (id BIGINT AUTO_INCREMENT PRIMARY KEY, product VARCHAR(36), note TEXT) COLLATE utf8mb4_bin;
CREATE TRIGGER products_audit AFTER UPDATE ON products FOR EACH ROW
  INSERT INTO audit (product, note) VALUES (NEW.id, CONCAT('price ', NEW.price));
CREATE VIEW cheap AS SELECT id, name FROM products WHERE price < 1000;
INSERT INTO products VALUES ('p1', 'Kaffeetasse ☕', 1299, 0x89504E470D0A1A0A00FF, 1700000000000),
  ('p2', 'Ticket ✈ München', 99900, NULL, 1700000000001), ('p3', 'emoji 🚀 ''quoted''', 500, '', 1700000000002);
UPDATE products SET price = 1399 WHERE id = 'p1';
SQL
fi

sh "$backup" dump "$work/dump" "$src"
sh "$backup" restore "$work/dump/$src.sql.gz" "$dst"
sh "$backup" verify "$dst" "$work/dump/$src.manifest"
tables=$(wc -l < "$work/dump/$src.manifest")
[ "$tables" -gt 0 ] || { echo "no tables in the dump" >&2; exit 1; }

if [ -n "$bin" ]; then
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  ops=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  (cd "$work" && exec env WAYFARE_DATABASE_URL="mysql://$DB_USER@$DB_HOST:$DB_PORT/$dst" WAYFARE_DATA_DIR="$work/data2" \
     WAYFARE_LISTEN="127.0.0.1:$port" WAYFARE_OPS_LISTEN="127.0.0.1:$ops" WAYFARE_LOG_FORMAT=json RUST_LOG=warn \
     "$bin" serve >"$work/serve.log" 2>&1) &
  server_pid=$!
  body=""
  for _ in $(seq 1 120); do
    if body=$(curl -fsS --max-time 2 "http://127.0.0.1:$port/api/catalog/products?limit=1" 2>/dev/null); then break; fi
    if ! kill -0 "$server_pid" 2>/dev/null; then cat "$work/serve.log"; echo "wayfare exited" >&2; exit 1; fi
    sleep 0.5
  done
  if ! printf '%s' "$body" | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["items"], d' 2>/dev/null; then
    tail -20 "$work/serve.log"; echo "the platform on $dst did not list the restored products: $body" >&2; exit 1
  fi
  echo "platform on the restored database answers GET /api/catalog/products: ok"
fi
echo "restore rehearsal: ok ($tables tables; $src and $dst dropped on exit)"
