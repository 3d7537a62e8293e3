#!/usr/bin/env python3
"""The benchmark's hybrid search over HTTP, through the real product, measured by wrk.

    python3 scripts/bench-http.py [--size 10000] [--duration 30]

1. `cargo bench -p factoria-search --bench search -- --sizes SIZE --export …` generates the
   benchmark's corpus and its queries (the same generator as docs/BENCHMARKS.md).
2. The companies become interchange-format records (description, capability statements,
   technologies, sector) and go through `factoria import`, which embeds every text with e5: the
   server holds real vectors, not the benchmark's composed ones. The import time is reported.
3. A release `factoria serve` answers `GET /api/v1/companies/search` (hybrid, with facets and
   highlights, as the API always does) while wrk asks the benchmark's 50 queries: with one
   connection and with four; with the query vectors cached (the search itself) and with every
   query new (embedding included); and BM25 only.

Prints Markdown, and the ratio of the HTTP latency to the same search in process (from the
benchmark run of step 1); writes target/bench-results/http.json. Needs wrk (installed from Debian's
packages when missing).
"""
import argparse
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("load_test", ROOT / "scripts" / "load-test.py")
load_test = importlib.util.module_from_spec(spec)
spec.loader.exec_module(load_test)


def interchange(line):
    """A benchmark company as an interchange-format record."""
    c = json.loads(line)
    lines = c["body"].split("\n")
    rest = lines[1:-1]  # the first line is the description, the last the sector
    return {
        "id": f"co-b{c['id']:06d}", "name": f"{c['title']} {c['id']}", "kind": "sme", "languages": [c["language"]],
        "description": lines[0],
        "capabilities": [l for l in rest if len(l.split()) > 2],
        "technologies": [l for l in rest if len(l.split()) <= 2],
        "sectors": [c["sector"]],
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", type=int, default=10000)
    ap.add_argument("--duration", type=int, default=30)
    ap.add_argument("--binary", default=os.environ.get("FACTORIA_BIN"))
    args = ap.parse_args()
    load_test.ensure_wrk()
    env = dict(os.environ)
    binary = args.binary
    if not binary:
        load_test.run(["cargo", "build", "--release", "-q", "-p", "factoria"], env, cwd=ROOT)
        binary = str(ROOT / "target" / "release" / "factoria")
    corpus = ROOT / "target" / "bench-corpus"
    print(f"generating the corpus of {args.size} companies…", file=sys.stderr)
    load_test.run(["cargo", "bench", "-q", "-p", "factoria-search", "--bench", "search", "--",
                   "--sizes", str(args.size), "--queries", "50", "--export", str(corpus)], env, cwd=ROOT, stdout=subprocess.DEVNULL)
    exported = corpus / str(args.size)
    queries = [json.loads(l)["text"] for l in (exported / "queries.jsonl").read_text().splitlines()][:50]
    report = {"size": args.size, "duration_s": args.duration, "runs": {}}
    with tempfile.TemporaryDirectory() as work:
        work = Path(work)
        with open(work / "companies.jsonl", "w") as out:
            for line in (exported / "companies.jsonl").read_text().splitlines():
                out.write(json.dumps(interchange(line), ensure_ascii=False) + "\n")
        (work / "challenges.jsonl").write_text("")
        # One client sends every query: no per-client search limit for the measurement.
        env.update(FACTORIA_DATA_DIR=str(work / "data"), FACTORIA_LOG="warn", FACTORIA_SEARCH_RATE_PER_MINUTE="0")
        load_test.run([binary, "migrate"], env, stdout=subprocess.DEVNULL)
        print("importing (every text embedded)…", file=sys.stderr)
        started = time.time()
        load_test.run([binary, "import", "--companies", str(work / "companies.jsonl"), "--challenges", str(work / "challenges.jsonl")],
                      env, stdout=subprocess.DEVNULL)
        report["import_s"] = round(time.time() - started, 1)
        port = load_test.free_port()
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen([binary, "serve", "--bind", f"127.0.0.1:{port}"], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            load_test.wait_ready(base)
            quoted = load_test.lua_list(urllib.parse.quote(q) for q in queries)
            runs = [("hybrid, query vectors cached", "q=", False), ("BM25 only", "mode=bm25&q=", False),
                    ("hybrid, every query new (embedded)", "q=", True)]
            print(f"| query | connections | requests/s | p50 ms | p99 ms | non-2xx |\n|---|---|---|---|---|---|")
            for name, prefix, new in runs:
                script = load_test.SEARCH_LUA % (quoted, json.dumps(new), f"/api/v1/companies/search?{prefix}")
                if not new:  # one round first, so the vectors of the 50 queries are cached
                    load_test.wrk(base, script, 3, connections=1).communicate()
                for connections in (1, 4):
                    if new:  # a different number range each run: no query is seen twice
                        script = script.replace('"%20" .. n', f'"%20c{connections}n" .. n')
                    r = load_test.parse_wrk(load_test.wrk(base, script, args.duration, connections).communicate()[0])
                    report["runs"][f"{name}, {connections}"] = r
                    print(f"| {name} | {connections} | {r['requests_per_s']:.0f} | {r.get('p50_ms', 0):.2f} | {r.get('p99_ms', 0):.2f} | {r['non_2xx']} |", flush=True)
        finally:
            server.terminate()
            server.wait(timeout=30)
    print(f"\nimport of {args.size} companies with embedding: {report['import_s']} s")
    # The same queries in process, from the benchmark run above (its vectors are composed, the
    # server's are embedded; the texts and queries are the same).
    in_process = json.loads((ROOT / "target" / "bench-results" / "search.json").read_text())[str(args.size)]
    search = in_process["hybrid_with_facets_and_highlights"]
    http = report["runs"]["hybrid, query vectors cached, 1"]
    report["in_process"] = search
    print(f"in process, hybrid with facets and highlights: p50 {search['p50_ms']:.2f} ms, p99 {search['p99_ms']:.2f} ms; "
          f"over HTTP with one connection: ratio {http['p50_ms'] / search['p50_ms']:.2f} at p50, {http['p99_ms'] / search['p99_ms']:.2f} at p99")
    out = ROOT / "target" / "bench-results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "http.json").write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
