#!/usr/bin/env python3
"""Checks the explanations of `factoria match --all --format json` against graded labels.

  python3 scripts/check_explanations.py matches.jsonl DATA_DIR/qrels.tsv

For the grade-3 pairs (and the grade 2-3 ones) the run lists: the share of must-haves shown covered (partial or
strong), for pairs written in the same language and across languages. And the contradictions
over every explained pair: a constraint shown met (a certification held, the TRL reached)
while a requirement that names it is shown as not covered at all.
"""
import json, re, sys
from collections import defaultdict


def normalise(text):
    return "".join(c for c in text.lower() if c.isalnum())


def main():
    runs, qrels_path = sys.argv[1], sys.argv[2]
    grades = {}
    for line in open(qrels_path):
        ch, co, g = line.rstrip("\n").split("\t")
        grades[(ch, co)] = int(g)
    covered = defaultdict(lambda: [0, 0])
    pairs = defaultdict(int)
    contradictions, explained = [], 0
    for line in open(runs):
        row = json.loads(line)
        for m in row["matches"]:
            e = m.get("explanation")
            if not e:
                continue
            explained += 1
            key = (m["challenge_id"], m["company_id"])
            musts = [r for r in e["requirements"] if r["kind"] == "must"]
            for least in (3, 2):
                if grades.get(key, 0) >= least:
                    group = (least, "same" if m["features"]["same_language"] else "cross")
                    pairs[group] += 1
                    covered[group][0] += sum(r["strength"] in ("partial", "strong") for r in musts)
                    covered[group][1] += len(musts)
            for c in e["constraints"]:
                if not c["met"] or c["constraint"] not in ("certification", "trl"):
                    continue
                for r in e["requirements"]:
                    text = r["requirement"]
                    if r["strength"] != "none":
                        continue
                    names_trl = c["constraint"] == "trl" and re.search(r"\bTRL\b", text, re.I)
                    names_cert = c["constraint"] == "certification" and any(
                        len(normalise(w)) >= 4 and normalise(w) in normalise(text)
                        for w in re.split(r",| y | and ", c["detail"].split(" ", 1)[-1]))
                    if names_trl or names_cert:
                        contradictions.append((key, c["detail"], text))
    for least in (3, 2):
        for language in ("same", "cross"):
            met, total = covered[(least, language)]
            print("grade %s pairs, %s language: %d pairs, must-haves shown covered %d of %d (%.1f%%)"
                  % ("3" if least == 3 else ">= 2", language, pairs[(least, language)], met, total,
                     100 * met / max(total, 1)))
    print("explained pairs %d, contradictions %d" % (explained, len(contradictions)))
    for key, detail, text in contradictions[:10]:
        print("  %s %s: «%s» met but «%s» none" % (key[0], key[1], detail, text))


if __name__ == "__main__":
    main()
