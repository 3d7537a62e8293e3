#!/usr/bin/env bash
# Measures CPV suggestions on an evaluation set (default ../shared/eval/dev): for every
# challenge that carries CPV codes (which `factoria suggest-cpv` ignores), whether its labelled
# division (2 digits), group (3) and class (4) appear among the top 5 suggested codes. A level
# counts only for challenges with a labelled code that deep.
#
# It runs the suggester over a small grid of weights and reports
#   - the figures of the default weights (those in backend/src/domain/cpv.rs), and
#   - 5-fold cross-validation over challenges: weights chosen on four folds (by the mean of
#     the three shares), scored on the fifth; the held-out shares, pooled.
#   scripts/eval-cpv.sh [DATA_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${1:-../shared/eval/dev}
cargo build -q -p factoria
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export FACTORIA_DATA_DIR=$WORK FACTORIA_LOG=warn
target/debug/factoria suggest-cpv --challenges "$DATA/challenges.jsonl" --top 5 > "$WORK/default.tsv"
for words in 0 0.5 1 2 4; do
  for branch in 0 0.25 0.5 0.75; do
    target/debug/factoria suggest-cpv --challenges "$DATA/challenges.jsonl" --top 5 \
      --params "words=$words,branch=$branch" > "$WORK/grid-words=$words,branch=$branch.tsv"
  done
done
# The companies too, as a check on texts the weights were not chosen on: each profile read as a
# challenge (name as title, description, capabilities as must-haves).
python3 - "$DATA/companies.jsonl" "$WORK/companies-as-challenges.jsonl" <<'PY'
import json, sys
with open(sys.argv[2], "w", encoding="utf-8") as out:
    for line in open(sys.argv[1], encoding="utf-8"):
        if line.strip():
            c = json.loads(line)
            out.write(json.dumps({"id": c["id"], "title": c["name"], "description": c["description"],
                                  "requirements": {"must": c.get("capabilities") or [], "should": []},
                                  "cpv": c.get("cpv") or []}, ensure_ascii=False) + "\n")
PY
target/debug/factoria suggest-cpv --challenges "$WORK/companies-as-challenges.jsonl" --top 5 > "$WORK/companies.tsv"
python3 - "$DATA/challenges.jsonl" "$WORK" "$WORK/companies-as-challenges.jsonl" <<'PY'
import glob, json, os, sys

challenges, work, companies = sys.argv[1], sys.argv[2], sys.argv[3]
LEVELS = {"division": 2, "group": 3, "class": 4}

def significant(code):
    return code.rstrip("0") if len(code.rstrip("0")) >= 2 else code[:2]

def read_labels(path):
    out = {}
    for line in open(path, encoding="utf-8"):
        if line.strip():
            c = json.loads(line)
            codes = [x.split("-")[0] for x in c.get("cpv") or []]
            if codes:
                out[c["id"]] = codes
    return out

labels = read_labels(challenges)
ids = sorted(labels)

def read(path):
    run = {}
    for line in open(path, encoding="utf-8"):
        cid, rank, code = line.rstrip("\n").split("\t")
        run.setdefault(cid, []).append((int(rank), code))
    return {k: [c for _, c in sorted(v)][:5] for k, v in run.items()}

def hits(run, cid):
    """Per level: None when no label is that deep, else whether a top-5 code shares it."""
    out = {}
    for level, n in LEVELS.items():
        wanted = {significant(l)[:n] for l in labels[cid] if len(significant(l)) >= n}
        if not wanted:
            out[level] = None
        else:
            out[level] = any(s[:n] in wanted for s in run.get(cid, []))
    return out

def shares(run, cids):
    res = {}
    for level in LEVELS:
        vals = [hits(run, c)[level] for c in cids]
        vals = [v for v in vals if v is not None]
        res[level] = (sum(vals) / len(vals) if vals else float("nan"), len(vals))
    return res

def objective(run, cids):
    s = shares(run, cids)
    return sum(v for v, _ in s.values()) / len(s)

default = read(os.path.join(work, "default.tsv"))
grid = {os.path.basename(p)[5:-4]: read(p) for p in glob.glob(os.path.join(work, "grid-*.tsv"))}

print(f"challenges with CPV codes: {len(ids)}")
print("default weights, share with the labelled level in the top 5:")
for level, (v, n) in shares(default, ids).items():
    print(f"  {level:8s} {v:.3f}  (n={n})")

folds = 5
pooled = {level: [] for level in LEVELS}
for k in range(folds):
    test = [c for i, c in enumerate(ids) if i % folds == k]
    train = [c for c in ids if c not in test]
    best = max(sorted(grid), key=lambda p: objective(grid[p], train))
    print(f"  fold {k + 1}: chose {best}")
    for c in test:
        for level, v in hits(grid[best], c).items():
            if v is not None:
                pooled[level].append(v)
print("5-fold cross-validation (weights chosen on the other folds), held-out share in the top 5:")
for level, vals in pooled.items():
    print(f"  {level:8s} {sum(vals) / len(vals):.3f}  (n={len(vals)})")
company_labels = read_labels(companies)
labels.update(company_labels)
print(f"companies read as challenges (weights not chosen on them), default weights, n={len(company_labels)}:")
for level, (v, n) in shares(read(os.path.join(work, "companies.tsv")), sorted(company_labels)).items():
    print(f"  {level:8s} {v:.3f}  (n={n})")
print("in-sample grid (mean of the three shares):")
for p in sorted(grid, key=lambda p: -objective(grid[p], ids))[:5]:
    s = shares(grid[p], ids)
    print(f"  {p:24s} " + "  ".join(f"{l} {v:.3f}" for l, (v, _) in s.items()))
PY
