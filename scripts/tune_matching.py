#!/usr/bin/env python3
"""Explore matching weights on a labelled set, from the features the engine computed.

  DUMP_FEATURES=features.jsonl cargo run --release -p factoria-search --example eval_dev -- DATA_DIR ASSETS_DIR run.tsv
  python3 scripts/tune_matching.py features.jsonl DATA_DIR/qrels.tsv [--search]

Mirrors `score_pool` in search-index/src/matching/mod.rs: document and coverage cosines become
standard scores within each language group, BM25 is divided by the best candidate's, and the
rest are added as they are. Prints nDCG@10 (gain = grade, log2 discount), Recall@50 (grade >= 2)
and MRR of the first grade-3 company for the engine's default weights. With --search it runs a
grid and reports, besides the best fits, a five-fold held-out estimate: for each fold the best
setting on the other four folds, scored on that fold, so a setting that only fits the set shows
up as a gap between the two figures.
"""
import itertools, json, math, random, sys
from collections import defaultdict

DEFAULT = dict(document=1.0, coverage=0.5, bm25=0.2, cpv=0.25, sector=0.75, trl_gap=0.25, trl_unknown=0.1)
MIN_GROUP = 8

def load(features_path, qrels_path):
    pairs = defaultdict(list)
    for line in open(features_path):
        row = json.loads(line)
        pairs[row["challenge"]].append((row["company"], row["features"]))
    qrels = defaultdict(dict)
    for line in open(qrels_path):
        ch, co, g = line.rstrip("\n").split("\t")
        qrels[ch][co] = int(g)
    return pairs, qrels

def stats(values):
    present = [v for v in values if v is not None]
    n = len(present)
    mean = sum(present) / max(n, 1)
    spread = (sum((v - mean) ** 2 for v in present) / max(n, 1)) ** 0.5
    return n, mean, spread if spread > 1e-6 else 1.0

def standardise_by_language(values, same):
    pooled = stats(values)
    groups = {}
    for g in (True, False):
        group = stats([v for v, s in zip(values, same) if s == g])
        groups[g] = group if group[0] >= MIN_GROUP else pooled
    return [0.0 if v is None else (v - groups[s][1]) / groups[s][2] for v, s in zip(values, same)]

def features(rows):
    fs = [f for _, f in rows]
    same = [f["same_language"] for f in fs]
    best = max(f["bm25"] for f in fs) or 1.0
    return dict(
        document=standardise_by_language([f["document"] for f in fs], same),
        coverage=standardise_by_language([f["coverage"] for f in fs], same),
        bm25=[f["bm25"] / best for f in fs],
        cpv=[f["cpv"] for f in fs],
        sector=[1.0 if f["sector_shared"] else 0.0 for f in fs],
        trl_gap=[-f["trl_gap"] for f in fs],
        trl_unknown=[-1.0 if f["trl_unknown"] else 0.0 for f in fs],
    )

def metrics(ranking, grades):
    gains = [grades.get(co, 0) for co in ranking]
    ideal = sorted(grades.values(), reverse=True)[:10]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    ndcg = sum(g / math.log2(i + 2) for i, g in enumerate(gains[:10])) / idcg if idcg else None
    relevant = {co for co, g in grades.items() if g >= 2}
    recall = len(relevant & set(ranking[:50])) / len(relevant) if relevant else None
    mrr = next((1 / (i + 1) for i, g in enumerate(gains) if g == 3), 0.0) if 3 in grades.values() else None
    return ndcg, recall, mrr

def evaluate(pairs, qrels, cache, weights, challenges=None):
    sums, counts = [0.0] * 3, [0] * 3
    for ch in challenges or sorted(pairs):
        rows = pairs[ch]
        f = cache[ch]
        score = [sum(weights[k] * f[k][i] for k in weights) for i in range(len(rows))]
        order = sorted(range(len(rows)), key=lambda i: (-score[i], rows[i][0]))
        for k, m in enumerate(metrics([rows[i][0] for i in order], qrels[ch])):
            if m is not None:
                sums[k] += m
                counts[k] += 1
    return [s / c if c else 0.0 for s, c in zip(sums, counts)]

def main():
    pairs, qrels = load(sys.argv[1], sys.argv[2])
    cache = {ch: features(rows) for ch, rows in pairs.items()}
    print("default weights: nDCG@10 %.4f  R@50 %.4f  MRR %.4f" % tuple(evaluate(pairs, qrels, cache, DEFAULT)))
    if "--search" not in sys.argv:
        return
    grid = dict(document=[1.0], coverage=[0.25, 0.5, 1.0], bm25=[0.0, 0.2, 0.5], cpv=[0.0, 0.25, 0.5],
                sector=[0.0, 0.5, 0.75, 1.0], trl_gap=[0.0, 0.25, 0.5], trl_unknown=[0.0, 0.1])
    settings = [dict(zip(grid, values)) for values in itertools.product(*grid.values())]
    fitted = sorted(((evaluate(pairs, qrels, cache, w)[0], w) for w in settings), key=lambda r: -r[0])
    for fit, w in fitted[:5]:
        print("fit on all challenges %.4f  %s" % (fit, w))
    challenges = sorted(pairs)
    random.Random(7).shuffle(challenges)
    folds = [challenges[i::5] for i in range(5)]
    held = []
    for k in range(5):
        train = [c for i, fold in enumerate(folds) if i != k for c in fold]
        best = max(settings, key=lambda w: evaluate(pairs, qrels, cache, w, train)[0])
        held.append(evaluate(pairs, qrels, cache, best, folds[k])[0])
    print("five-fold held-out nDCG@10 of the grid search: %.4f" % (sum(held) / 5))

if __name__ == "__main__":
    main()
