#!/usr/bin/env python3
"""Load and fault tests of a running Factoría, measured by wrk (not by this script).

    python3 scripts/load-test.py [--duration 60] [--backends sqlite,postgres] [--faults] [--new-queries]

For each backend: the demo data (64 challenges, 300 companies) in a fresh database, a release
build of `factoria serve`, then for DURATION seconds three wrk clients at once: hybrid search
(`GET /api/v1/challenges/search`, twenty queries in turn, their vectors cached after the first
time; with --new-queries every query is new and embedded), ranked matches of a challenge
(`GET /api/v1/challenges/{id}/matches`, an officer's token) and a write (`POST
/api/v1/challenges/{id}/matches/{company}/feedback`, an administrator's token). Reports
requests/s, p50/p99 and the answers by status of each.

Nothing lost, by counting: each write carries its number in its reason, each 2xx answer echoes
it, and afterwards the database must hold, for every pair, the last write answered 2xx (or a
later one of the same client, whose answer was cut off).

With --faults, on PostgreSQL: a third into the run the server is stopped for 5 s and started
again (Factoría answers 503 while it is down and recovers by itself; /healthz is probed every
50 ms and its answers counted).

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

# Searches QUERIES in turn at PATH (which ends where the query text goes). With NEW set, a
# number is added to every query, so each one is new to the query-vector cache and is embedded:
# the worst case. Without, the queries come back from the cache after the first round.
SEARCH_LUA = """
local queries = {%s}
local new = %s
local n = 0
request = function()
  n = n + 1
  local q = queries[(n %% #queries) + 1]
  if new then q = q .. "%%20" .. n end
  return wrk.format("GET", "%s" .. q)
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

# Request k of thread t (of two) is write number w = k*2 + t; it judges pair w mod P of the P
# (challenge, company) pairs, with the reason "load w", so a pair is only ever written by one
# thread, in order. From each 2xx answer (which echoes challenge, company and reason) the thread
# keeps the last write per pair, and prints them at the end for the database to be checked.
WRITE_LUA = """
local ids = {%s}
local companies = {%s}
local threads = {}
function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end
wrk.headers["Authorization"] = "Bearer %s"
wrk.headers["Content-Type"] = "application/json"
local k = 0
function init(args) statuses, acked = {}, {} end
request = function()
  local w = k * 2 + id
  k = k + 1
  local pair = w %% (#ids * #companies)
  local path = "/api/v1/challenges/" .. ids[(pair %% #ids) + 1] .. "/matches/" .. companies[math.floor(pair / #ids) + 1] .. "/feedback"
  local body = '{"useful": ' .. ((w %% 2 == 0) and "true" or "false") .. ', "reason": "load ' .. w .. '"}'
  return wrk.format("POST", path, nil, body)
end
response = function(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if status >= 200 and status < 300 then
    local challenge, company = body:match('"challenge":"([^"]+)"'), body:match('"company":"([^"]+)"')
    local w = tonumber(body:match('"reason":"load (%%d+)"') or "")
    local key = (challenge or "?") .. " " .. (company or "?")
    if w == nil then key, w = "unreadable answer", 0 end
    if (acked[key] or -1) < w then acked[key] = w end
  end
end
function done(summary, latency, requests)
  for _, t in ipairs(threads) do
    for code, n in pairs(t:get("statuses")) do io.write(string.format("STATUS %%d %%d\\n", code, n)) end
    for key, w in pairs(t:get("acked")) do io.write(string.format("ACK %%s %%d\\n", key, w)) end
  end
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
    acked = re.findall(r"^ACK (\S+) (\S+) (\d+)$", text, re.M)
    if acked:
        out["acked"] = {(challenge, company): int(w) for challenge, company, w in acked}
    return out


def wrk(url, script, duration, connections=4, threads=1):
    """Starts wrk with SCRIPT (which counts answers by status itself if it defines `done`)."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script if "function done" in script else script + STATUS_LUA)
    return subprocess.Popen(["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--timeout", "15s", "--latency", "-s", f.name, url],
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
    """A database with the demo data; returns the environment to serve, an officer's token and an
    administrator's."""
    data = Path(work) / backend
    # The load comes from one address: the per-client search limit would answer it with 429s.
    env = {**env, "FACTORIA_DATA_DIR": str(data), "FACTORIA_LOG": "warn", "FACTORIA_SEARCH_RATE_PER_MINUTE": "0"}
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


def feedback_writes(env):
    """The load test's feedback in the served database: {(challenge, company): write number}."""
    url = env["FACTORIA_DATABASE_URL"]
    sql = ("SELECT ch.external_id, co.external_id, f.reason FROM match_feedback f "
           "JOIN challenges ch ON ch.id = f.challenge_id JOIN companies co ON co.id = f.company_id "
           "WHERE f.reason LIKE 'load %'")
    if url.startswith("sqlite://"):
        import sqlite3

        with sqlite3.connect(url.removeprefix("sqlite://").split("?")[0]) as db:
            rows = db.execute(sql).fetchall()
    else:
        out = run(["psql", url, "-tAF", "\t", "-c", sql], env, capture_output=True).stdout
        rows = [line.split("\t") for line in out.splitlines() if line]
    return {(challenge, company): int(reason.split()[1]) for challenge, company, reason in rows}


def missing_writes(acked, stored):
    """Every write answered 2xx is in the database: its pair holds it, or a later write of the
    same thread (which may have been cut off before its answer). Returns the writes missing."""
    return [pair for pair, w in acked.items() if stored.get(pair, -1) < w]


def load(backend, binary, work, duration, faults, new_queries):
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
        clients = {
            "search": wrk(base, SEARCH_LUA % (lua_list(urllib.parse.quote(q) for q in QUERIES), json.dumps(new_queries), "/api/v1/challenges/search?q="), duration),
            "matches": wrk(base, MATCHES_LUA % (lua_list(ids), token), duration),
            "write": wrk(base, WRITE_LUA % (lua_list(every), lua_list(companies), admin), duration, connections=2, threads=2),
        }
        fault = None
        if faults and backend == "postgres":
            fault = restart_postgres_midway(base, duration)
        results = {name: parse_wrk(p.communicate()[0]) for name, p in clients.items()}
        if fault:
            results["postgres_restart"] = fault
        write = results["write"]
        acked = write.pop("acked", {})
        missing = missing_writes(acked, feedback_writes(env))
        write["pairs_checked"] = len(acked)
        write["acknowledged"] = sum(n for code, n in write["statuses"].items() if code.startswith("2"))
        write["missing"] = len(missing)
        return results
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


def restart_postgres_midway(base, duration, down_s=5):
    """A third into the run, stops the local PostgreSQL cluster, keeps it down for DOWN_S seconds
    and starts it again; meanwhile asks /healthz (which asks the database) every 50 ms and counts
    its answers, the slowest one, and when it is 200 again after the start."""
    time.sleep(duration / 3)
    version = sorted(os.listdir("/etc/postgresql"), key=float)[-1]
    root = [] if os.geteuid() == 0 else ["sudo"]

    def cluster(action):
        return subprocess.Popen(root + ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", action],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    statuses, slowest, recovered = {}, 0.0, None
    stopping = cluster("stop")
    started, restarted_at = time.time(), None
    while time.time() - started < duration / 2:
        if restarted_at is None and stopping.poll() is not None and time.time() - started >= down_s:
            cluster("start").wait()
            restarted_at = time.time()
        asked = time.time()
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=10) as r:
                code = r.status
        except urllib.error.HTTPError as e:
            code = e.code
        except OSError:
            code = 0
        slowest = max(slowest, time.time() - asked)
        statuses[code] = statuses.get(code, 0) + 1
        if code == 200 and restarted_at and recovered is None:
            recovered = time.time() - restarted_at
        time.sleep(0.05)
    return {"down_s": down_s, "statuses": statuses, "slowest_answer_ms": round(slowest * 1000, 1),
            "healthy_again_after_start_s": None if recovered is None else round(recovered, 2)}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--duration", type=int, default=60)
    ap.add_argument("--backends", default="sqlite,postgres")
    ap.add_argument("--faults", action="store_true")
    ap.add_argument("--new-queries", action="store_true", help="every search query new, so it is embedded (no cache hit)")
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
            report[backend] = load(backend, binary, work, args.duration, args.faults, args.new_queries)
            for name in ["search", "matches", "write"]:
                r = report[backend][name]
                print(f"| {backend} | {name} | {r['requests_per_s']:.0f} | {r.get('p50_ms', 0):.1f} | {r.get('p99_ms', 0):.1f} | {r['requests']} | {r['non_2xx']} | {r['socket_errors']} |", flush=True)
            (out / "load.json").write_text(json.dumps(report, indent=1))
    for backend in args.backends.split(","):
        for name in ["search", "matches", "write"]:
            print(f"{backend} {name}: answers by status {report[backend][name]['statuses']}")
        w = report[backend]["write"]
        print(f"{backend} write: {w['acknowledged']} answered 2xx, the last of each pair checked in the database ({w['pairs_checked']} pairs): {w['missing']} missing")
        if "postgres_restart" in report[backend]:
            print(f"PostgreSQL restarted under load: /healthz answers {report[backend]['postgres_restart']}")


if __name__ == "__main__":
    import urllib.parse

    main()
