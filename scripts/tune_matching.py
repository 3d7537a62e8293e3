#!/usr/bin/env python3
"""Chooses the matching weights by cross-validation that holds out whole challenges.

  factoria match --all --format features > features.jsonl      # every candidate, its signals
  python3 scripts/tune_matching.py features.jsonl DATA_DIR/qrels.tsv [--folds 5] [--repeats 3]

The engine writes, for every candidate of every challenge, the signals its score weighs
(`score::SIGNALS` in search-index/src/matching/score.rs, already oriented so that a positive
weight rewards the better pair; the score is their weighted sum). This script:

- scores the engine's default weights (`--defaults '{"document": 1, ...}'` to pass them; by
  default they are read from score.rs) on every challenge: the in-sample figure;
- fits weights by coordinate ascent on nDCG@10 over a small grid of values per signal, on
  the training challenges of each fold, and scores the fitted weights on the held-out fold;
  k folds over challenges, repeated with several shuffles: the held-out mean is the figure
  that says how the choice generalises;
- fits once on every challenge and prints those weights (what goes into `Weights::default()`).

Metrics as `baselines.py`: nDCG@10 (gain = grade, log2 discount), Recall@50 (grade >= 2), MRR
of the first grade-3 company.
"""
import argparse, json, math, random, re, sys
from collections import defaultdict
from pathlib import Path

GRID = [0.0, 0.1, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0]


def default_weights():
    """Weights::default() as written in score.rs."""
    src = (Path(__file__).resolve().parent.parent / "search-index/src/matching/score.rs").read_text()
    names = re.search(r"pub const SIGNALS: \[&str; \d+\] = \[(.*?)\];", src, re.S).group(1)
    names = re.findall(r'"(\w+)"', names)
    body = re.search(r"impl Default for Weights \{.*?Self \{(.*?)\}", src, re.S).group(1)
    values = dict(re.findall(r"(\w+): (-?[\d.]+),", body))
    return {n: float(values[n]) for n in names}


def load(features_path, qrels_path):
    pairs = defaultdict(list)
    for line in open(features_path):
        row = json.loads(line)
        pairs[row["challenge"]].append((row["company"], row["signals"], row["same_language"]))
    qrels = defaultdict(dict)
    for line in open(qrels_path):
        ch, co, g = line.rstrip("\n").split("\t")
        qrels[ch][co] = int(g)
    return pairs, qrels


def metrics(ranking, grades):
    gains = [grades.get(co, 0) for co in ranking]
    ideal = sorted(grades.values(), reverse=True)[:10]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    ndcg = sum(g / math.log2(i + 2) for i, g in enumerate(gains[:10])) / idcg if idcg else None
    relevant = {co for co, g in grades.items() if g >= 2}
    recall = len(relevant & set(ranking[:50])) / len(relevant) if relevant else None
    mrr = next((1 / (i + 1) for i, g in enumerate(gains) if g == 3), 0.0) if 3 in grades.values() else None
    return ndcg, recall, mrr


def ranking(rows, weights):
    score = [sum(w * s.get(k, 0.0) for k, w in weights.items()) for _, s, _ in rows]
    order = sorted(range(len(rows)), key=lambda i: (-score[i], rows[i][0]))
    return [rows[i][0] for i in order]


def evaluate(pairs, qrels, weights, challenges):
    sums, counts = [0.0] * 3, [0] * 3
    for ch in challenges:
        for k, m in enumerate(metrics(ranking(pairs[ch], weights), qrels.get(ch, {}))):
            if m is not None:
                sums[k] += m
                counts[k] += 1
    return [s / c if c else 0.0 for s, c in zip(sums, counts)]


def fit(pairs, qrels, challenges, start, fixed):
    """Coordinate ascent on mean nDCG@10 (ties broken by MRR), from `start`; `document` stays
    at 1 (the scale)."""
    best = dict(start)
    best_fit = evaluate(pairs, qrels, best, challenges)
    for _ in range(3):
        improved = False
        for name in best:
            if name in fixed:
                continue
            for value in GRID:
                if value == best[name]:
                    continue
                trial = dict(best, **{name: value})
                result = evaluate(pairs, qrels, trial, challenges)
                if (result[0], result[2]) > (best_fit[0] + 1e-9, best_fit[2]):
                    best, best_fit, improved = trial, result, True
        if not improved:
            break
    return best, best_fit


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("features")
    parser.add_argument("qrels")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--defaults", help="JSON object of weights instead of score.rs's")
    parser.add_argument("--fix", default="document", help="comma-separated signals kept at their default")
    args = parser.parse_args()
    pairs, qrels = load(args.features, args.qrels)
    defaults = json.loads(args.defaults) if args.defaults else default_weights()
    fixed = set(filter(None, args.fix.split(",")))
    challenges = sorted(pairs)
    row = "nDCG@10 %.4f  R@50 %.4f  MRR %.4f"
    print("challenges %d, candidates %d" % (len(challenges), sum(len(v) for v in pairs.values())))
    print("default weights, in sample:       " + row % tuple(evaluate(pairs, qrels, defaults, challenges)))

    held = defaultdict(list)
    fold_defaults = []
    for repeat in range(args.repeats):
        order = list(challenges)
        random.Random(repeat).shuffle(order)
        folds = [order[i::args.folds] for i in range(args.folds)]
        scores = [0.0] * 3
        for k, test in enumerate(folds):
            train = [c for i, fold in enumerate(folds) if i != k for c in fold]
            weights, _ = fit(pairs, qrels, train, defaults, fixed)
            result = evaluate(pairs, qrels, weights, test)
            for m in range(3):
                scores[m] += result[m] * len(test) / len(challenges)
        for m in range(3):
            held[m].append(scores[m])
        print("  repeat %d: held-out " % repeat + row % tuple(scores))
    print("fitted on the other folds, held out: " + row % tuple(sum(held[m]) / len(held[m]) for m in range(3)))

    weights, result = fit(pairs, qrels, challenges, defaults, fixed)
    print("fitted on every challenge, in sample: " + row % tuple(result))
    print(json.dumps(weights))

    # The defaults per language group of the pair: does a cross-lingual supplier fare as well?
    for same in (True, False):
        hits, total = 0, 0
        for ch in challenges:
            top = set(ranking(pairs[ch], defaults)[:10])
            for co, s, sl in pairs[ch]:
                if sl == same and qrels.get(ch, {}).get(co, 0) >= 1:
                    total += 1
                    hits += co in top
        print("default weights: relevant %s-language companies in the top 10: %d of %d (%.0f%%)"
              % ("same" if same else "cross", hits, total, 100 * hits / max(total, 1)))


if __name__ == "__main__":
    main()
