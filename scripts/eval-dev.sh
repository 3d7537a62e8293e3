#!/usr/bin/env bash
# Scores the matching engine on an evaluation set (default ../shared/eval/dev) next to the
# baselines of baselines.py: imports the set into a fresh SQLite database, ranks the top 50
# companies of every challenge with `factoria match --all`, and prints nDCG@10, Recall@50, MRR;
# then the cross-validated choice of weights (scripts/tune_matching.py, in-sample and held out)
# and the explanation check (scripts/check_explanations.py).
#   scripts/eval-dev.sh [DATA_DIR]
# EVAL_VENV names the evaluation's Python environment (default target/eval-venv, created when
# missing); BASELINES=0 scores the engine only.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${1:-../shared/eval/dev}
EVAL=$(cd "$DATA/.." && pwd)
VENV=${EVAL_VENV:-target/eval-venv}
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import bm25s, onnxruntime' 2>/dev/null; then
  python3 -m venv "$VENV"
  # The versions baselines.py names in its first lines.
  "$VENV/bin/pip" install --quiet --disable-pip-version-check numpy==2.4.6 onnxruntime==1.32.0 tokenizers==0.23.3 bm25s==0.3.16 PyStemmer==3.1.0
fi
cargo build -q -p factoria
TARGET=${CARGO_TARGET_DIR:-target}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export FACTORIA_DATA_DIR=$WORK FACTORIA_LOG=warn
"$TARGET/debug/factoria" import --companies "$DATA/companies.jsonl" --challenges "$DATA/challenges.jsonl"
"$TARGET/debug/factoria" match --all --top 50 --format tsv > "$WORK/factoria.tsv"
ASSETS=${FACTORIA_ASSETS_DIR:-$HOME/.cache/factoria/assets}
METHODS=()
[ "${BASELINES:-1}" = 0 ] && METHODS=(--methods none)
ME5_MODEL_DIR=${ME5_MODEL_DIR:-$ASSETS/models/multilingual-e5-small} "$VENV/bin/python" "$EVAL/baselines.py" "$DATA" "${METHODS[@]}" --run "$WORK/factoria.tsv"
echo
echo "== weights chosen by cross-validation over challenges =="
"$TARGET/debug/factoria" match --all --format features > "$WORK/features.jsonl"
"$VENV/bin/python" scripts/tune_matching.py "$WORK/features.jsonl" "$DATA/qrels.tsv" --fix trl_gap=0.1,missing_certification=3
echo
echo "== explanations (in each challenge's language) =="
"$TARGET/debug/factoria" match --all --top 50 --format json > "$WORK/matches.jsonl"
python3 scripts/check_explanations.py "$WORK/matches.jsonl" "$DATA/qrels.tsv"
