#!/usr/bin/env python3
"""Chooses the matching weights by cross-validation that holds out whole challenges.

  factoria match --all --format features > features.jsonl      # every candidate, its signals
  PYTHON scripts/tune_matching.py features.jsonl DATA_DIR/qrels.tsv [--folds 5] [--repeats 3]
      [--fix trl_gap=0.1,...] [--choose missing_certification=0.5,1,2,3]

(PYTHON with numpy: the evaluation's environment, see ../shared/eval/README.md.)

The engine writes, for every candidate of every challenge, the signals its score weighs
(`score::SIGNALS` in search-index/src/matching/score.rs, each oriented so that a positive
weight rewards the better pair; the score is their weighted sum). This script:

- scores the engine's default weights (read from score.rs) on every challenge: in sample;
- fits the weights on the training challenges of each fold by a pairwise logistic loss (every
  pair of candidates of a challenge with different grades, weighted by the gain difference,
  the better one should score higher), weights kept non-negative and lightly regularised,
  `document` fixed at 1 as the scale and `--fix` ones at their values; scores them on the
  held-out fold. k folds over challenges, repeated with several shuffles: the held-out mean is
  the figure that says how the choice generalises;
- `--choose NAME=v1,v2,…`: the held-out figure for each value of a fixed signal, the others
  fitted, to pick a penalty by cross-validation;
- fits once on every challenge and prints those weights (what goes into `Weights::default()`).

Metrics as `baselines.py`: nDCG@10 (gain = grade, log2 discount), Recall@50 (grade >= 2), MRR
of the first grade-3 company.
"""
import argparse, json, math, random, re, sys
from collections import defaultdict
from pathlib import Path

import numpy as np

L2 = 0.001
HEAD = 60


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
    """Mean nDCG@10, Recall@50 and MRR over `challenges`."""
    sums, counts = [0.0] * 3, [0] * 3
    for ch in challenges:
        for k, m in enumerate(metrics(ranking(pairs[ch], weights), qrels.get(ch, {}))):
            if m is not None:
                sums[k] += m
                counts[k] += 1
    return [s / c if c else 0.0 for s, c in zip(sums, counts)]


def fit(pairs, qrels, challenges, defaults, fixed):
    """Pairwise logistic fit of the free signals on `challenges`; `fixed` maps signals to the
    values they keep. Candidates: the relevant ones and the head of the default ranking."""
    names = list(defaults)
    free = [n for n in names if n not in fixed]
    diffs, gains, offsets = [], [], []
    for ch in challenges:
        rows = pairs[ch]
        grades = qrels.get(ch, {})
        x = np.array([[s.get(n, 0.0) for n in names] for _, s, _ in rows])
        g = np.array([grades.get(co, 0) for co, _, _ in rows])
        default_score = x @ np.array([defaults[n] for n in names])
        head = set(np.argsort(-default_score)[:HEAD].tolist()) | set(np.nonzero(g)[0].tolist())
        head = sorted(head)
        for i in head:
            for j in head:
                if g[i] > g[j]:
                    d = x[i] - x[j]
                    diffs.append([d[names.index(n)] for n in free])
                    offsets.append(sum(fixed[n] * d[names.index(n)] for n in fixed))
                    gains.append(2 ** g[i] - 2 ** g[j])
    if not diffs:
        return dict(defaults, **fixed)
    D, off, W = np.array(diffs), np.array(offsets), np.array(gains, float)
    W /= W.mean()
    w = np.array([defaults[n] for n in free], float)
    for _ in range(400):
        margin = D @ w + off
        p = 1 / (1 + np.exp(np.clip(margin, -30, 30)))
        grad = -(D * (W * p)[:, None]).mean(0) + L2 * w
        w = np.maximum(w - 0.5 * grad, 0.0)
    weights = dict(fixed)
    weights.update({n: round(float(v), 3) for n, v in zip(free, w)})
    return {n: weights[n] for n in names}


def cross_validate(pairs, qrels, challenges, defaults, fixed, folds, repeats, quiet=False):
    held = []
    for repeat in range(repeats):
        order = list(challenges)
        random.Random(repeat).shuffle(order)
        parts = [order[i::folds] for i in range(folds)]
        scores = np.zeros(3)
        for k, test in enumerate(parts):
            train = [c for i, part in enumerate(parts) if i != k for c in part]
            weights = fit(pairs, qrels, train, defaults, fixed)
            scores += np.array(evaluate(pairs, qrels, weights, test)) * len(test) / len(challenges)
        held.append(scores)
        if not quiet:
            print("  repeat %d: held-out " % repeat + ROW % tuple(scores))
    return np.mean(held, axis=0)


ROW = "nDCG@10 %.4f  R@50 %.4f  MRR %.4f"


def parse_fixed(text):
    return {k: float(v) for k, v in (item.split("=") for item in filter(None, text.split(",")))}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("features")
    parser.add_argument("qrels")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--fix", default="", help="NAME=VALUE,… kept out of the fit (document is always 1)")
    parser.add_argument("--choose", help="NAME=v1,v2,…: cross-validate the values of one fixed signal")
    args = parser.parse_args()
    pairs, qrels = load(args.features, args.qrels)
    defaults = default_weights()
    fixed = dict(parse_fixed(args.fix), document=1.0)
    challenges = sorted(pairs)
    print("challenges %d, candidates %d" % (len(challenges), sum(len(v) for v in pairs.values())))
    print("default weights, in sample:           " + ROW % tuple(evaluate(pairs, qrels, defaults, challenges)))
    if args.choose:
        name, values = args.choose.split("=")
        for value in values.split(","):
            result = cross_validate(pairs, qrels, challenges, defaults, dict(fixed, **{name: float(value)}),
                                    args.folds, args.repeats, quiet=True)
            print("  %s = %s: held-out " % (name, value) + ROW % tuple(result))
    result = cross_validate(pairs, qrels, challenges, defaults, fixed, args.folds, args.repeats)
    print("fitted on the other folds, held out:  " + ROW % tuple(result))
    weights = fit(pairs, qrels, challenges, defaults, fixed)
    print("fitted on every challenge, in sample: " + ROW % tuple(evaluate(pairs, qrels, weights, challenges)))
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
