#!/usr/bin/env bash
# Scores the matching engine on an evaluation set (default ../shared/eval/dev) next to the
# baselines of baselines.py: imports the set into a fresh SQLite database, ranks the top 50
# companies of every challenge with `factoria match --all`, and prints nDCG@10, Recall@50, MRR.
#   scripts/eval-dev.sh [DATA_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${1:-../shared/eval/dev}
EVAL=$(cd "$DATA/.." && pwd)
VENV=target/eval-venv
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import bm25s, onnxruntime' 2>/dev/null; then
  python3 -m venv "$VENV"
  # The versions baselines.py names in its first lines.
  "$VENV/bin/pip" install --quiet --disable-pip-version-check numpy==2.4.6 onnxruntime==1.32.0 tokenizers==0.23.3 bm25s==0.3.16 PyStemmer==3.1.0
fi
cargo build -q -p factoria
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export FACTORIA_DATA_DIR=$WORK FACTORIA_LOG=warn
target/debug/factoria import --companies "$DATA/companies.jsonl" --challenges "$DATA/challenges.jsonl"
target/debug/factoria match --all --top 50 --format tsv > "$WORK/factoria.tsv"
ASSETS=${FACTORIA_ASSETS_DIR:-$HOME/.cache/factoria/assets}
ME5_MODEL_DIR=${ME5_MODEL_DIR:-$ASSETS/models/multilingual-e5-small} "$VENV/bin/python" "$EVAL/baselines.py" "$DATA" --run "$WORK/factoria.tsv"
