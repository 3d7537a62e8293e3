#!/usr/bin/env python3
"""Load and fault tests of a running Factoría, measured by wrk (not by this script).

    python3 scripts/load-test.py [--duration 60] [--backends sqlite,postgres] [--faults]

For each backend: the demo data (64 challenges, 300 companies) in a fresh database, a release
build of `factoria serve`, then for DURATION seconds three wrk clients at once: hybrid search
(`GET /api/v1/challenges/search`, a different query each time), ranked matches of a challenge
(`GET /api/v1/challenges/{id}/matches`, an officer's token) and a write (`POST
/api/v1/challenges/{id}/matches/{company}/feedback`). Reports requests/s, p50/p99 and non-2xx answers of each.

The writes are counted afterwards: each judges a different (challenge, company) pair, so the rows
of match_feedback added by the run must equal the 2xx answers ("nothing lost").

With --faults, on PostgreSQL: the server is restarted under load (Factoría answers 503 while it
is down and recovers by itself; /healthz is probed every 50 ms and its answers counted). A write
whose commit reached PostgreSQL just before it stopped may have lost only its answer, so then the
rows may exceed the 2xx answers, never fall short of them.

Needs wrk (installed from Debian's packages when missing) and, for PostgreSQL, the server of
scripts/ensure-postgres.sh. Writes target/bench-results/load.json and prints Markdown.
"""
import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("FACTORIA_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
QUERIES = ["fugas de agua", "water leaks", "movilidad urbana", "bus occupancy", "incendios forestales", "wildfire detection",
           "historia clínica", "health records", "ciberseguridad ayuntamientos", "open data", "calidad del aire", "air quality",
           "eficiencia energética", "energy poverty", "personas mayores", "telecare", "riego de precisión", "museum tickets",
           "inteligencia artificial", "sensores IoT"]

# Counts the answers by status in every wrk thread and prints them at the end.
STATUS_LUA = """
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) statuses = {} end
function response(status, headers, body) statuses[status] = (statuses[status] or 0) + 1 end
function done(summary, latency, requests)
  for _, t in ipairs(threads) do
    for code, n in pairs(t:get("statuses")) do io.write(string.format("STATUS %d %d\\n", code, n)) end
  end
end
"""

SEARCH_LUA = """
local queries = {%s}
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", "/api/v1/challenges/search?q=" .. queries[(n %% #queries) + 1])
end
"""

MATCHES_LUA = """
local ids = {%s}
local n = 0
wrk.headers["Authorization"] = "Bearer %s"
request = function()
  n = n + 1
  return wrk.format("GET", "/api/v1/challenges/" .. ids[(n %% #ids) + 1] .. "/matches?per_page=10")
end
"""

# Every request judges a different (challenge, company) pair, as an administrator, so the rows
# of match_feedback afterwards count the writes that were kept.
WRITE_LUA = """
local ids = {%s}
local companies = {%s}
local n = 0
wrk.headers["Authorization"] = "Bearer %s"
wrk.headers["Content-Type"] = "application/json"
request = function()
  local challenge = ids[(n %% #ids) + 1]
  local company = companies[(math.floor(n / #ids) %% #companies) + 1]
  n = n + 1
  local body = '{"useful": ' .. ((n %% 2 == 0) and "true" or "false") .. ', "reason": "load test"}'
  return wrk.format("POST", "/api/v1/challenges/" .. challenge .. "/matches/" .. company .. "/feedback", nil, body)
end
"""


def lua_list(items):
    return ", ".join(json.dumps(i) for i in items)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(cmd, env, **kw):
    return subprocess.run(cmd, env=env, check=True, text=True, **kw)


def ensure_wrk():
    if shutil.which("wrk"):
        return
    root = [] if os.geteuid() == 0 else ["sudo"]
    subprocess.run(root + ["apt-get", "install", "-y", "-qq", "wrk"], check=True)


def parse_wrk(text):
    def ms(value, unit):
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]

    out = {"non_2xx": 0, "socket_errors": 0}
    for label, key in [("50%", "p50_ms"), ("99%", "p99_ms")]:
        m = re.search(rf"^\s*{re.escape(label)}\s+([\d.]+)(us|ms|s|m)\s*$", text, re.M)
        if m:
            out[key] = ms(m.group(1), m.group(2))
    m = re.search(r"Requests/sec:\s+([\d.]+)", text)
    out["requests_per_s"] = float(m.group(1)) if m else 0.0
    m = re.search(r"(\d+) requests in", text)
    out["requests"] = int(m.group(1)) if m else 0
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    out["non_2xx"] = int(m.group(1)) if m else 0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    out["socket_errors"] = sum(map(int, m.groups())) if m else 0
    out["statuses"] = {}
    for code, n in re.findall(r"^STATUS (\d+) (\d+)$", text, re.M):
        out["statuses"][code] = out["statuses"].get(code, 0) + int(n)
    return out


def wrk(url, script, duration, connections=4):
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script + STATUS_LUA)
    return subprocess.Popen(["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--latency", "-s", f.name, url],
                            stdout=subprocess.PIPE, text=True)


def wait_ready(base, limit=120):
    started = time.time()
    while time.time() - started < limit:
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    sys.exit(f"factoria did not become ready at {base}")


def get_json(url, token=None):
    request = urllib.request.Request(url)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=30) as r:
        return json.loads(r.read())


def prepare(backend, binary, work, env):
    """A database with the demo data and an officer's token; returns the environment to serve."""
    data = Path(work) / backend
    env = {**env, "FACTORIA_DATA_DIR": str(data), "FACTORIA_LOG": "warn"}
    run([binary, "demo", "--no-serve"], env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if backend == "postgres":
        import_env = dict(env)
        name = f"factoria_load_{os.getpid()}"
        run(["psql", PG_URL, "-qc", f"DROP DATABASE IF EXISTS {name}"], env, stdout=subprocess.DEVNULL)
        run(["psql", PG_URL, "-qc", f"CREATE DATABASE {name}"], env, stdout=subprocess.DEVNULL)
        import_env["FACTORIA_DATABASE_URL"] = PG_URL.rsplit("/", 1)[0] + f"/{name}"
        import_env["FACTORIA_INDEX_DIR"] = str(data / "pg-index")
        run([binary, "migrate"], import_env, stdout=subprocess.DEVNULL)
        run([binary, "import", "--companies", str(data / "demo-companies.jsonl"), "--challenges", str(data / "demo-challenges.jsonl")], import_env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        run([binary, "admin", "create-user", "--email", "officer01@comunidad.example", "--name", "Officer", "--officer-of", "Consejería de Sanidad"],
            import_env, input="una contraseña de carga\n", stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        env = import_env
    else:
        env["FACTORIA_DATABASE_URL"] = f"sqlite://{data}/factoria.sqlite?mode=rwc"
    run([binary, "admin", "create-user", "--email", "load-admin@factoria.example", "--name", "Load", "--admin"],
        env, input="una contraseña de carga\n", stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def token(email):
        return run([binary, "admin", "create-token", "--email", email, "--name", "load"], env, capture_output=True).stdout.strip().split()[-1]

    return env, token("officer01@comunidad.example"), token("load-admin@factoria.example")


def feedback_rows(env):
    """Rows of match_feedback in the served database."""
    url = env["FACTORIA_DATABASE_URL"]
    if url.startswith("sqlite://"):
        import sqlite3

        with sqlite3.connect(url.removeprefix("sqlite://").split("?")[0]) as db:
            return db.execute("SELECT COUNT(*) FROM match_feedback").fetchone()[0]
    out = run(["psql", url, "-tAc", "SELECT COUNT(*) FROM match_feedback"], env, capture_output=True).stdout
    return int(out.strip())


def load(backend, binary, work, duration, faults):
    env, token, admin = prepare(backend, binary, work, dict(os.environ))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([binary, "serve", "--bind", f"127.0.0.1:{port}"], env={**env, "FACTORIA_PUBLIC_URL": base},
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_ready(base)
        mine = get_json(f"{base}/api/v1/challenges?per_page=100&department=Consejer%C3%ADa%20de%20Sanidad", token)["items"]
        ids = [c["id"] for c in mine if c["status"] == "published"] or [c["id"] for c in mine]
        every = [c["id"] for c in get_json(f"{base}/api/v1/challenges?per_page=100", admin)["items"]]
        companies = [c["id"] for page in (1, 2, 3) for c in get_json(f"{base}/api/v1/companies?per_page=100&page={page}", admin)["items"]]
        rows_before = feedback_rows(env)
        clients = {
            "search": wrk(base, SEARCH_LUA % lua_list(urllib.parse.quote(q) for q in QUERIES), duration),
            "matches": wrk(base, MATCHES_LUA % (lua_list(ids), token), duration),
            "write": wrk(base, WRITE_LUA % (lua_list(every), lua_list(companies), admin), duration, connections=2),
        }
        fault = None
        if faults and backend == "postgres":
            fault = restart_postgres_midway(base, duration)
        results = {name: parse_wrk(p.communicate()[0]) for name, p in clients.items()}
        if fault:
            results["postgres_restart"] = fault
        write = results["write"]
        acknowledged = sum(n for code, n in write["statuses"].items() if code.startswith("2"))
        added = feedback_rows(env) - rows_before
        write["acknowledged"], write["rows_added"] = acknowledged, added
        if write["requests"] > len(every) * len(companies):
            write["nothing_lost"] = None  # pairs were judged twice: the count proves nothing
        else:
            write["nothing_lost"] = acknowledged <= added <= write["requests"] and (fault is not None or added == acknowledged)
        return results
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


def restart_postgres_midway(base, duration):
    """Restarts the local PostgreSQL cluster a third into the run; counts the answers of
    /healthz, which asks the database, every 50 ms."""
    time.sleep(duration / 3)
    version = sorted(os.listdir("/etc/postgresql"), key=float)[-1]
    root = [] if os.geteuid() == 0 else ["sudo"]
    statuses = {}
    started = time.time()
    subprocess.Popen(root + ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"])
    recovered = None
    while time.time() - started < duration / 2:
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=5) as r:
                code = r.status
        except urllib.error.HTTPError as e:
            code = e.code
        except OSError:
            code = 0
        statuses[code] = statuses.get(code, 0) + 1
        if code == 200 and statuses.get(503, 0) > 0 and recovered is None:
            recovered = time.time() - started
        time.sleep(0.05)
    return {"statuses": statuses, "recovered_after_s": recovered}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--duration", type=int, default=60)
    ap.add_argument("--backends", default="sqlite,postgres")
    ap.add_argument("--faults", action="store_true")
    ap.add_argument("--binary", default=os.environ.get("FACTORIA_BIN"))
    args = ap.parse_args()
    ensure_wrk()
    binary = args.binary
    if not binary:
        run(["cargo", "build", "--release", "-q", "-p", "factoria"], dict(os.environ), cwd=ROOT)
        binary = str(ROOT / "target" / "release" / "factoria")
    report = {"machine": {"cpus": os.cpu_count(), "uname": " ".join(os.uname())}, "duration_s": args.duration}
    out = ROOT / "target" / "bench-results"
    out.mkdir(parents=True, exist_ok=True)
    print("| backend | endpoint | requests/s | p50 ms | p99 ms | requests | non-2xx | socket errors |\n|---|---|---|---|---|---|---|---|", flush=True)
    with tempfile.TemporaryDirectory() as work:
        for backend in args.backends.split(","):
            print(f"{backend}: preparing the demo data and serving…", file=sys.stderr)
            report[backend] = load(backend, binary, work, args.duration, args.faults)
            for name in ["search", "matches", "write"]:
                r = report[backend][name]
                print(f"| {backend} | {name} | {r['requests_per_s']:.0f} | {r.get('p50_ms', 0):.1f} | {r.get('p99_ms', 0):.1f} | {r['requests']} | {r['non_2xx']} | {r['socket_errors']} |", flush=True)
            (out / "load.json").write_text(json.dumps(report, indent=1))
    for backend in args.backends.split(","):
        for name in ["search", "matches", "write"]:
            print(f"{backend} {name}: answers by status {report[backend][name]['statuses']}")
        w = report[backend]["write"]
        print(f"{backend} write: {w['acknowledged']} answered 2xx, {w['rows_added']} rows added, nothing lost: {w['nothing_lost']}")
        if "postgres_restart" in report[backend]:
            print(f"PostgreSQL restarted under load: /healthz answers {report[backend]['postgres_restart']}")


if __name__ == "__main__":
    import urllib.parse

    main()
