#!/usr/bin/env bash
# Back up a Postgres database to object storage, keep the last 14 copies.
set -euo pipefail

DB_NAME="${DB_NAME:-app}"
BUCKET="${BUCKET:-s3://example-backups/postgres}"
STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

echo "[$(date -u +%T)] dumping ${DB_NAME}..."
pg_dump --format=custom --no-owner --dbname="$DB_NAME" --file="$WORK/${DB_NAME}.dump"
gzip -9 "$WORK/${DB_NAME}.dump"
sha256sum "$WORK/${DB_NAME}.dump.gz" | awk '{print $1}' > "$WORK/${DB_NAME}.sha256"

aws s3 cp "$WORK/${DB_NAME}.dump.gz" "${BUCKET}/${STAMP}/" --only-show-errors
aws s3 cp "$WORK/${DB_NAME}.sha256" "${BUCKET}/${STAMP}/" --only-show-errors

# prune: list the dated prefixes, oldest first, and drop all but the newest 14
mapfile -t OLD < <(aws s3 ls "${BUCKET}/" | awk '{print $2}' | sort | head -n -14)
for prefix in "${OLD[@]}"; do
  echo "removing ${prefix}"
  aws s3 rm --recursive "${BUCKET}/${prefix}" --only-show-errors
done
echo "[$(date -u +%T)] done: ${BUCKET}/${STAMP}/"
