#!/bin/sh
# Export the trained stages into the page's bundled models and measure them with the engine:
#
#   sh train/export_all.sh
#
#   span stage   → public/models/default/model.bpg         (softmax attention, all heads)
#   linear stage → public/models/default-linear/model.bpg  (linear attention twin)
# then `npm run eval:model` writes train/logs/eval-default.json, train/model_card.py writes
# MODEL_CARD.md from it, and public/models/index.json gets the files' new version hashes.
set -eu
cd "$(dirname "$0")/.."
PY=/usr/bin/python3
OUT=train/work/export

export_stage() {
  stage=$1
  dest=$2
  $PY train/export.py --stage "$stage" --out "$OUT/$dest"
  rm -rf "public/models/$dest"
  npm run -s cli -- convert --model "$OUT/$dest" --out "public/models/$dest"
}

export_stage span default
if [ -f train/checkpoints/linear-state.json ]; then export_stage linear default-linear; fi

npm run -s eval:model -- --model public/models/default --json train/logs/eval-default.json
$PY train/model_card.py --eval train/logs/eval-default.json --out public/models/default/MODEL_CARD.md
[ -d public/models/default-linear ] && cp public/models/default/MODEL_CARD.md public/models/default-linear/MODEL_CARD.md
$PY train/bundle_index.py
