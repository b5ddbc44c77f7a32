#!/bin/sh
# The compose `setup` service: schema, demo data and trained models in Postgres, once.
# Safe to run again: tables are replaced and models trained only if none is in production.
set -eu
modelserve migrate
# The streaming source's table (served by the `source` service), reloaded every time.
modelserve generate promotion --out /tmp/data
modelserve load /tmp/data/promotion.csv --table promotion --replace --index id
if modelserve models current --name click >/dev/null 2>&1; then
    echo "click already has a production model: nothing to do"
    exit 0
fi
modelserve generate click --out /tmp/data
modelserve generate diamonds --out /tmp/data
for table in leads offers clicks diamonds; do
    modelserve load "/tmp/data/$table.csv" --table "$table" --replace
done
modelserve train --spec /app/pipelines/click.yaml --promote
modelserve train --spec /app/pipelines/diamonds.yaml --promote
modelserve models list
