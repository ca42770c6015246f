#!/bin/sh
# Reproduce the default model: corpus → vocab → mlm → simbert → span → linear → export.
#
#   sh train/run_all.sh [MLM_MIN] [SIMBERT_MIN] [SPAN_MIN] [LINEAR_MIN]
#
# Each argument is the training budget of that stage in minutes (defaults 480 60 30 120).
# Every stage resumes from its own checkpoint when one exists, so re-running the script
# after an interruption continues where it stopped; a finished stage (its state shows the
# whole budget spent) is skipped.
set -eu
cd "$(dirname "$0")/.."
PY=/usr/bin/python3
MLM_MIN=${1:-480}
SIMBERT_MIN=${2:-60}
SPAN_MIN=${3:-30}
LINEAR_MIN=${4:-120}

mkdir -p train/work
[ -s train/work/train.txt ] || $PY train/corpus.py
[ -s train/work/vocab.txt ] || $PY train/vocab.py
cmp -s train/work/vocab.txt train/vocab.txt || {
  echo "train/work/vocab.txt differs from the committed train/vocab.txt:" \
       "the corpus was rebuilt differently; checkpoints will not match" >&2
  exit 1
}

# minutes still to spend on a stage (its budget minus what its state file records)
remaining() {
  $PY - "$1" "$2" <<'EOF'
import json, os, sys
stage, budget = sys.argv[1], float(sys.argv[2])
path = f"train/checkpoints/{stage}-state.json"
done = json.load(open(path))["elapsed_minutes"] if os.path.exists(path) else 0.0
print(max(0.0, budget - done))
EOF
}

run_stage() {
  stage=$1
  budget=$2
  left=$(remaining "$stage" "$budget")
  if [ "$($PY -c "print(int($left >= 0.5))")" = 0 ]; then
    echo "$stage: budget of $budget minutes already spent, skipping"
    return
  fi
  resume=""
  [ -f "train/checkpoints/$stage-state.json" ] && resume="--resume"
  $PY train/train.py --stage "$stage" --minutes "$left" --total-minutes "$budget" $resume
}

run_stage mlm "$MLM_MIN"
run_stage simbert "$SIMBERT_MIN"
run_stage span "$SPAN_MIN"
run_stage linear "$LINEAR_MIN"

# Into the page: public/models/default (+ default-linear), scores and MODEL_CARD.md.
sh train/export_all.sh
