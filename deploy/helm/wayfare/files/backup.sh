#!/bin/sh
# Logical backups of Wayfare's service databases, and their restore. One script for the nightly
# CronJob (templates/backup.yaml) and for the restore rehearsal CI runs against a local MariaDB
# (deploy/validate/backup/rehearse-restore.sh), so what CI proves is what production runs.
#
#   backup.sh dump OUT_DIR DB...        one <db>.sql.gz per database (single transaction, no locks)
#                                       and <db>.manifest (table, rows, checksum)
#   backup.sh manifest DB               print "table<TAB>rows<TAB>checksum" for every base table
#   backup.sh restore DUMP.sql.gz DB    create DB (must not exist) and load the dump into it
#   backup.sh verify DB MANIFEST        compare DB against a manifest; exit 1 on any difference
#
# Connection: DB_HOST (127.0.0.1), DB_PORT (3306), DB_USER (root), DB_PASSWORD (via MYSQL_PWD,
# never on the command line), DB_SSL=1 for TLS (RDS requires it). POSIX sh: runs in the mariadb
# image and on any CI host with the mariadb or mysql client.
set -eu

client() { if command -v mariadb >/dev/null 2>&1; then echo mariadb; else echo mysql; fi; }
dumper() { if command -v mariadb-dump >/dev/null 2>&1; then echo mariadb-dump; else echo mysqldump; fi; }
# MySQL 8's mysqldump reads information_schema.COLUMN_STATISTICS, which MariaDB lacks: switch it off
# where the flag exists (mariadb-dump has no such flag and needs none).
dump_extra() {
  if "$(dumper)" --help 2>/dev/null | grep -q -- '--column-statistics'; then echo "--column-statistics=0"; fi
}

conn_args() {
  printf '%s\n' "--host=${DB_HOST:-127.0.0.1}" "--port=${DB_PORT:-3306}" "--user=${DB_USER:-root}"
  if [ "${DB_SSL:-0}" = 1 ]; then printf '%s\n' "--ssl"; fi
}

# POSIX sh has no local variables: every function's names carry its own prefix.
sql() { # DB QUERY -> tab-separated rows, no headers
  # shellcheck disable=SC2046
  MYSQL_PWD="${DB_PASSWORD:-}" "$(client)" $(conn_args) --batch --skip-column-names --database="$1" -e "$2"
}

valid_name() {
  case "$1" in
    ""|*[!A-Za-z0-9_]*) echo "backup.sh: refusing database name '$1'" >&2; exit 64 ;;
  esac
}

manifest() {
  m_db="$1"; valid_name "$m_db"
  sql "$m_db" "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE' ORDER BY table_name" |
    while IFS= read -r table; do
      rows=$(sql "$m_db" "SELECT COUNT(*) FROM \`$table\`")
      sum=$(sql "$m_db" "CHECKSUM TABLE \`$table\` EXTENDED" | cut -f2)
      printf '%s\t%s\t%s\n' "$table" "$rows" "$sum"
    done
}

dump() {
  out="$1"; shift
  mkdir -p "$out"
  for db in "$@"; do
    valid_name "$db"
    # No CREATE DATABASE / USE in the dump, so it restores into any (fresh) database name.
    # shellcheck disable=SC2046
    MYSQL_PWD="${DB_PASSWORD:-}" "$(dumper)" $(conn_args) $(dump_extra) --single-transaction --quick --routines \
      --triggers --events --hex-blob --default-character-set=utf8mb4 --no-tablespaces "$db" |
      gzip -9 > "$out/$db.sql.gz.part"
    mv "$out/$db.sql.gz.part" "$out/$db.sql.gz"
    manifest "$db" > "$out/$db.manifest"
    echo "dumped $db: $(wc -l < "$out/$db.manifest") tables, $(wc -c < "$out/$db.sql.gz") bytes"
  done
}

restore() {
  file="$1"; db="$2"; valid_name "$db"
  exists=$(sql information_schema "SELECT COUNT(*) FROM schemata WHERE schema_name = '$db'")
  if [ "$exists" != 0 ]; then echo "backup.sh: $db exists; restore only into a fresh database" >&2; exit 1; fi
  sql information_schema "CREATE DATABASE \`$db\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
  # shellcheck disable=SC2046
  gzip -dc "$file" | MYSQL_PWD="${DB_PASSWORD:-}" "$(client)" $(conn_args) --database="$db"
  echo "restored $file into $db"
}

verify() {
  db="$1"; expected="$2"
  actual=$(manifest "$db")
  if [ "$actual" = "$(cat "$expected")" ]; then
    echo "verified $db: $(printf '%s\n' "$actual" | wc -l) tables, row counts and checksums match"
  else
    echo "backup.sh: $db differs from $expected" >&2
    printf '%s\n' "$actual" | diff "$expected" - >&2 || true
    exit 1
  fi
}

cmd="${1:-}"; [ $# -gt 0 ] && shift
case "$cmd" in
  dump) dump "$@" ;;
  manifest) manifest "$@" ;;
  restore) restore "$@" ;;
  verify) verify "$@" ;;
  *) sed -n '2,15p' "$0"; exit 64 ;;
esac
