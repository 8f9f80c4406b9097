"""Load benchmark: 50 signed-in users against gunicorn and PostgreSQL at county scale (issue #8).

Run (locust is pinned in bench/requirements.txt, apart from the app's requirements)::

    pip install -r bench/requirements.txt
    python bench/load.py                       # 2 minutes, then the same driver against /healthz/live
    python bench/load.py --duration 20s --hello-duration 10s   # a short try

It does everything itself:

1. creates the PostgreSQL database (``--database``, default ``referral_hub_load``) if missing,
   migrates it and, once, seeds it with the generators of bench/referrals.py (1,000,000
   referrals in 100 counties), bench/register.py (1,000,000 people and 300,000 needs, put into
   ten of those counties: ~100,000 people and ~10,000 referrals a county) and bench/supply.py
   (5,000 organizations, 50,000 resources); ``--scale`` shrinks all three. Later runs reuse it.
2. creates the users, each acting where they may: 20 caseworkers (two per county), 10 township
   station workers, 20 charity staff (one per charity, the charities with the most referrals
   waiting for them), with a password and an authenticator app (two-factor sign-in stays on);
3. starts gunicorn on 127.0.0.1 with production settings plus the few overrides of
   bench/load_settings.py, which are printed;
4. signs every user in through the login page and the two-factor step, then runs the mix for
   ``--duration``: inbox pages, person search, need logging, referral create + send
   (caseworkers), accept → start → feedback (charity staff, on referrals sent to their charity);
5. runs the same driver (same users, same think time) against ``/healthz/live``, a view that
   answers "ok" without the database or Redis, and prints the two side by side;
6. stops gunicorn and prints the machine's load average during the run.

A request fails if its status is not the one the step expects (a transition is checked through
the API: 409 for a wrong state counts as an error). Only loopback addresses are allowed.
"""

from __future__ import annotations

import sys

if __name__ == "__main__" and "--prepare" not in sys.argv:
    # The driver (locust) runs on gevent: patch before anything opens a socket.
    from gevent import monkey  # type: ignore[import-untyped]

    monkey.patch_all()

import argparse
import json
import os
import platform
import random
import re
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.load_users import (  # noqa: E402
    CASEWORKERS,
    CHARITY_STAFF,
    COUNTIES_USED,
    STATION_WORKERS,
    Shared,
    build_users,
    make_personas,
)

# Fixed keys so every run (and the seeding) encrypts and decrypts the same way. Bench only.
BENCH_ENV = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "load-bench-only-secret-key-not-for-production-0123456789abcdef",
    "FIELD_ENCRYPTION_KEYS": "bG9hZC1iZW5jaC1vbmx5LWtleS0wMTIzNDU2Nzg5YWI=",
    "BLIND_INDEX_KEY": "load-bench-only-blind-index-key",
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
    "DJANGO_SECURE_SSL_REDIRECT": "0",
    "DJANGO_SETTINGS_MODULE": "bench.load_settings",
    "DJANGO_LOG_LEVEL": "WARNING",
}
P95_TARGET_MS = 200  # issue #17, at 100 users (issue #8 asked 300 ms at 50)


def parse_seconds(text: str) -> float:
    match = re.fullmatch(r"(\d+(?:\.\d+)?)(s|m)?", text.strip())
    if not match:
        raise argparse.ArgumentTypeError(f"not a duration: {text!r} (e.g. 120, 120s, 2m)")
    return float(match.group(1)) * (60 if match.group(2) == "m" else 1)


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=parse_seconds, default=120.0, help="measured time (default 2m)")
    parser.add_argument("--hello-duration", type=parse_seconds, default=None, help="default: --duration")
    parser.add_argument("--users", type=int, default=50, help="concurrent users (default 50)")
    parser.add_argument("--think", default="1-3", help="think time between a user's steps, seconds (default 1-3)")
    parser.add_argument("--scale", type=float, default=1.0, help="data scale, 1.0 = county scale of #3-#5")
    parser.add_argument("--database", default="referral_hub_load")
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432", help="PostgreSQL server URL")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/8")
    parser.add_argument("--port", type=int, default=8401)
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 1) * 2 + 1, help="gunicorn workers")
    parser.add_argument("--seed-only", action="store_true", help="create and seed the database, then stop")
    parser.add_argument("--prepare", help=argparse.SUPPRESS)  # internal: the Django side, writes this JSON file
    args = parser.parse_args()
    if args.hello_duration is None:
        args.hello_duration = args.duration
    if args.users != 50:
        global CASEWORKERS, STATION_WORKERS, CHARITY_STAFF
        CASEWORKERS = max(1, round(args.users * 0.4))
        STATION_WORKERS = max(1, round(args.users * 0.2))
        CHARITY_STAFF = max(1, args.users - CASEWORKERS - STATION_WORKERS)
    return args


def bench_env(args: argparse.Namespace) -> dict[str, str]:
    for url in (args.pg, args.redis):
        host = re.sub(r"^\w+://(?:[^@/]*@)?([^:/]+).*$", r"\1", url)
        if host not in ("127.0.0.1", "localhost", "::1"):
            sys.exit(f"loopback only: {url} is not on this machine")
    env = dict(os.environ)
    env.update(BENCH_ENV)
    env["DATABASE_URL"] = f"{args.pg.rstrip('/')}/{args.database}"
    env["REDIS_URL"] = args.redis
    env["DJANGO_STATIC_ROOT"] = str(Path(tempfile.gettempdir()) / f"{args.database}-static")
    env["REFERRAL_HUB_VAR_DIR"] = str(Path(tempfile.gettempdir()) / f"{args.database}-var")
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


# =====================================================================================
# The Django side (a child process: Django and gevent are kept apart)
# =====================================================================================
def prepare(args: argparse.Namespace) -> None:
    import psycopg2  # type: ignore[import-untyped]

    admin = psycopg2.connect(f"{args.pg.rstrip('/')}/postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [args.database])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{args.database}"')
            print(f"created database {args.database}")
    admin.close()

    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    seed(args.scale)
    personas = make_personas()
    Path(args.prepare).write_text(json.dumps(personas, ensure_ascii=False))


def seed(scale: float) -> None:
    """Load the data of #3-#5 once, with the generators of the other bench scripts."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_load_seed (step text PRIMARY KEY, scale float, seconds float)")
        cursor.execute("SELECT step, scale FROM bench_load_seed")
        done = dict(cursor.fetchall())
    if done and any(abs(s - scale) > 1e-9 for s in done.values()):
        print(f"note: the database was seeded at scale {set(done.values())}; using it as it is")

    def step(name: str, work: Any) -> None:
        if name in done:
            return
        print(f"seeding: {name} (scale {scale}) …", flush=True)
        started = time.perf_counter()
        work()
        seconds = time.perf_counter() - started
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO bench_load_seed VALUES (%s, %s, %s)", [name, scale, seconds])
        print(f"seeding: {name} done in {seconds:.0f} s", flush=True)

    from bench import referrals as referral_bench

    step("referrals", lambda: referral_bench.load(scale))

    def register() -> None:
        from bench import register as register_bench

        # The register's generator fills ten counties; make them the first ten counties of the
        # referral data, so the same caseworkers see ~100,000 people and ~10,000 referrals.
        register_bench.COUNTIES = [referral_bench.county_code(n)[:6] for n in range(COUNTIES_USED)]
        register_bench.CITY = referral_bench.county_code(0)[:4] + "00000000"
        register_bench.load_regions()
        register_bench.load_people(max(1000, int(1_000_000 * scale)), max(300, int(300_000 * scale)))

    step("register", register)

    def supply() -> None:
        from bench import supply as supply_bench

        supply_bench.ORGANIZATIONS = max(50, int(supply_bench.ORGANIZATIONS * scale))
        supply_bench.RESOURCES = max(500, int(supply_bench.RESOURCES * scale))
        supply_bench.DELIVERIES = max(1500, int(supply_bench.DELIVERIES * scale))
        supply_bench.populate(random.Random(20261122))  # ends with VACUUM ANALYZE of the database

    step("supply", supply)


class Machine:
    """Load average and CPU use while a phase runs (other people's work included)."""

    def __init__(self, server_pid: int, database: str) -> None:
        self.server_pid = server_pid
        self.database = database
        self.loads: list[float] = []
        self.busy: list[float] = []
        self.top = ""
        self.seen: dict[str, dict[int, float]] = {}

    @staticmethod
    def cpu_times() -> tuple[float, float]:
        fields = [float(x) for x in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
        idle = fields[3] + fields[4]
        return sum(fields) - idle, sum(fields)

    def processes_cpu(self) -> dict[str, dict[int, float]]:
        """CPU seconds so far of gunicorn (master and workers), of the PostgreSQL backends serving
        the bench database and of this driver, per process."""
        import resource

        import psutil  # type: ignore[import-untyped]

        seen: dict[str, dict[int, float]] = {"gunicorn": {}, "postgres": {}, "driver": {}}
        try:
            parent = psutil.Process(self.server_pid)
            for process in [parent, *parent.children(recursive=True)]:
                times = process.cpu_times()
                seen["gunicorn"][process.pid] = times.user + times.system
        except psutil.Error:
            pass
        for process in psutil.process_iter(["cmdline"]):
            try:
                title = " ".join(process.info["cmdline"] or [])
                if title.startswith("postgres:") and f" {self.database} " in title:
                    times = process.cpu_times()
                    seen["postgres"][process.pid] = times.user + times.system
            except psutil.Error:
                continue
        usage = resource.getrusage(resource.RUSAGE_SELF)
        seen["driver"][os.getpid()] = usage.ru_utime + usage.ru_stime
        return seen

    def remember(self, now: dict[str, dict[int, float]]) -> None:
        """Keep each process's latest figure: PostgreSQL backends end when Django closes a connection
        older than CONN_MAX_AGE, so the figures are sampled every 5 s (a backend's last seconds
        before it ends can be missed)."""
        for part, processes in now.items():
            self.seen.setdefault(part, {}).update(processes)

    def used(self, before: dict[str, dict[int, float]]) -> dict[str, float]:
        self.remember(self.processes_cpu())
        return {
            part: sum(cpu - before[part].get(pid, 0.0) for pid, cpu in self.seen[part].items()) for part in self.seen
        }

    def watch(self, seconds: float) -> None:
        import gevent

        end = time.monotonic() + seconds
        busy0, total0 = self.cpu_times()
        halfway = time.monotonic() + seconds / 2
        while time.monotonic() < end:
            gevent.sleep(min(5.0, max(0.1, end - time.monotonic())))
            self.loads.append(os.getloadavg()[0])
            busy1, total1 = self.cpu_times()
            if total1 > total0:
                self.busy.append(100 * (busy1 - busy0) / (total1 - total0))
            busy0, total0 = busy1, total1
            self.remember(self.processes_cpu())
            if not self.top and time.monotonic() >= halfway:
                self.top = subprocess.run(
                    ["top", "-b", "-n", "1", "-w", "120", "-o", "%CPU"],  # noqa: S607
                    capture_output=True,
                    text=True,
                    check=False,
                ).stdout


def run_phase(user_classes: list[type], users: int, seconds: float, host: str, machine: Machine) -> dict[str, Any]:
    import gevent
    from locust.env import Environment  # type: ignore[import-not-found,unused-ignore]

    Shared.ready = 0
    environment = Environment(user_classes=user_classes, host=host)
    runner = environment.create_local_runner()
    runner.start(users, spawn_rate=10)
    deadline = time.monotonic() + 300
    while Shared.ready < users and time.monotonic() < deadline:
        gevent.sleep(0.2)
    gevent.sleep(2)  # let the first steps after signing in settle
    environment.stats.reset_all()
    Shared.transitions.clear()
    cpu0, started = machine.processes_cpu(), time.monotonic()
    machine.remember(cpu0)
    machine.watch(seconds)
    elapsed = time.monotonic() - started
    cpu = machine.used(cpu0)
    stats = environment.stats
    rows = []
    for (name, method), entry in sorted(stats.entries.items()):
        rows.append(
            {
                "name": name,
                "method": method,
                "requests": entry.num_requests,
                "failures": entry.num_failures,
                "rps": entry.num_requests / elapsed,
                **{f"p{p}": entry.get_response_time_percentile(p / 100) for p in (50, 95, 99)},
                "max": entry.max_response_time,
            }
        )
    total = stats.total
    summary = {
        "requests": total.num_requests,
        "failures": total.num_failures,
        "rps": total.num_requests / elapsed,
        "cores": {part: seconds / elapsed for part, seconds in cpu.items()},
        **{f"p{p}": total.get_response_time_percentile(p / 100) for p in (50, 95, 99)},
        "max": total.max_response_time,
        **{f"{part}_cpu_ms": 1000 * seconds / max(1, total.num_requests) for part, seconds in cpu.items()},
    }
    errors = [f"{e.occurrences} × {e.method} {e.name}: {e.error}" for e in stats.errors.values()]
    transitions = dict(Shared.transitions)  # this phase's: the next phase starts from zero again
    runner.quit()
    return {"rows": rows, "total": summary, "errors": errors, "seconds": elapsed, "transitions": transitions}


def table(result: dict[str, Any], title: str) -> str:
    lines = [
        title,
        f"{'endpoint':62} {'requests':>8} {'req/s':>6} {'errors':>6} {'p50':>5} {'p95':>5} {'p99':>5} {'max':>6}  (ms)",
    ]

    def line(name: str, r: dict[str, Any]) -> str:
        return (
            f"{name[:62]:62} {r['requests']:8d} {r['rps']:6.1f} {r['failures']:6d} "
            f"{r['p50'] or 0:5.0f} {r['p95'] or 0:5.0f} {r['p99'] or 0:5.0f} {r['max'] or 0:6.0f}"
        )

    for row in result["rows"]:
        if row["requests"]:  # the sign-in steps ran before the statistics were reset
            lines.append(line(row["name"], row))
    lines.append(line("all", result["total"]))
    return "\n".join(lines)


def start_server(args: argparse.Namespace, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    import urllib.request

    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "referral_hub.wsgi:application",
        "--bind",
        f"127.0.0.1:{args.port}",
        "--workers",
        str(args.workers),
        "--timeout",
        "60",
        "--chdir",
        str(ROOT),
    ]
    print("server: " + " ".join(command[2:]))
    # Its own session, as a service runs: Linux schedules sessions (autogroups) fairly against each
    # other, so the driver does not take its CPU from the server's share.
    server = subprocess.Popen(  # noqa: S603
        command, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"gunicorn stopped at start:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{args.port}/healthz/live", timeout=2) as answer:
                if answer.status == 200:
                    return server
        except OSError:
            time.sleep(0.5)
    server.terminate()
    sys.exit(f"gunicorn did not answer /healthz/live within 60 s:\n{log.read_text()[-3000:]}")


def machine_description(data: dict[str, Any]) -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor(),
    )
    memory = next(
        (
            int(line.split()[1]) // 1024 // 1024
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        ),
        0,
    )
    return (
        f"{os.cpu_count()} cores ({cpu}), {memory} GB RAM, PostgreSQL {data['postgresql'].split()[0]}, "
        f"Python {platform.python_version()}"
    )


def main() -> None:
    args = arguments()
    low, _dash, high = args.think.partition("-")
    think = (float(low), float(high or low))
    env = bench_env(args)
    work = Path(tempfile.mkdtemp(prefix="bench-load-"))
    personas_file = work / "personas.json"
    started = time.monotonic()
    child = [sys.executable, str(Path(__file__).resolve()), "--prepare", str(personas_file)]
    child += ["--scale", str(args.scale), "--database", args.database, "--pg", args.pg, "--users", str(args.users)]
    subprocess.run(child, env=env, check=True)  # noqa: S603 - this script
    personas = json.loads(personas_file.read_text())
    data = personas["data"]
    print(f"prepared in {time.monotonic() - started:.0f} s")
    if args.seed_only:
        return
    personas["charity_ids"] = personas.pop("charities")
    print(f"\nmachine: {machine_description(data)}")
    print(
        f"data: {data['persons']:,} people, {data['needs']:,} needs, {data['referrals']:,} referrals, "
        f"{data['organizations']:,} organizations, {data['resources']:,} resources; one county of the run holds "
        f"{data['persons_in_county']:,} people and {data['referrals_in_county']:,} referrals; the 20 charities have "
        f"{min(data['waiting_per_charity'], default=0)}-{max(data['waiting_per_charity'], default=0)} referrals waiting"
    )
    print(
        f"users: {CASEWORKERS} caseworkers (2 a county), {STATION_WORKERS} station workers, {CHARITY_STAFF} charity staff; think time {think[0]:g}-{think[1]:g} s"
    )
    print("settings: production (DJANGO_DEBUG=0, two-factor sign-in required) with these bench overrides:")
    for name, (value, why) in personas["overrides"].items():
        print(f"  {name} = {value!r}: {why}")

    redis = __import__("redis").Redis.from_url(args.redis)
    redis.flushdb()  # our own Redis database: the queued notifications of earlier runs (no worker here)
    log = work / "gunicorn.log"
    server = start_server(args, env, log)
    try:
        staff, hello = build_users(think)
        Shared.personas = personas
        machine = Machine(server.pid, args.database)
        print(f"\nsigning in {args.users} users, then {args.duration:.0f} s of the mix …", flush=True)
        app = run_phase(staff, args.users, args.duration, f"http://127.0.0.1:{args.port}", machine)
        app_machine = (machine.loads, machine.busy, machine.top)
        machine = Machine(server.pid, args.database)
        print(f"{args.users} users on /healthz/live for {args.hello_duration:.0f} s …", flush=True)
        bare = run_phase([hello], args.users, args.hello_duration, f"http://127.0.0.1:{args.port}", machine)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        redis.flushdb()
    print()
    print(table(app, f"Mix of {args.users} users for {app['seconds']:.0f} s (gunicorn, {args.workers} workers):"))
    print()
    print(table(bare, f"Same driver against /healthz/live for {bare['seconds']:.0f} s:"))
    a, b = app["total"], bare["total"]
    print()
    print(
        f"{'':24} {'req/s':>7} {'p50':>6} {'p95':>6} {'p99':>6} {'errors':>7}   CPU per request: gunicorn, PostgreSQL, driver"
    )
    for label, r in (("app mix (all steps)", a), ("hello /healthz/live", b)):
        print(
            f"{label:24} {r['rps']:7.1f} {r['p50'] or 0:6.0f} {r['p95'] or 0:6.0f} {r['p99'] or 0:6.0f} "
            f"{r['failures']:7d}   {r['gunicorn_cpu_ms']:6.1f} ms {r['postgres_cpu_ms']:6.1f} ms {r['driver_cpu_ms']:6.1f} ms"
        )

    def ratio(x: float | None, y: float | None) -> str:
        return f"{(x or 0) / y:.2f}x" if y else "-"

    print(
        f"{'ratio app / hello':24} {ratio(a['rps'], b['rps']):>7} {ratio(a['p50'], b['p50']):>6} "
        f"{ratio(a['p95'], b['p95']):>6} {ratio(a['p99'], b['p99']):>6} {'':7}   "
        f"{ratio(a['gunicorn_cpu_ms'], b['gunicorn_cpu_ms']):>9} {ratio(a['postgres_cpu_ms'], b['postgres_cpu_ms']) if b['postgres_cpu_ms'] > 0.05 else '':>9}"
    )
    served = a["gunicorn_cpu_ms"] + a["postgres_cpu_ms"]
    if served:
        print(
            f"server CPU per request of the mix: {served:.1f} ms (gunicorn + PostgreSQL): {os.cpu_count()} otherwise idle "
            f"cores could serve about {1000 * (os.cpu_count() or 1) / served:.0f} requests/s of this mix with the driver elsewhere"
        )
    done = app["transitions"]
    print("\ntransitions done during the mix: " + (", ".join(f"{k} {v}" for k, v in sorted(done.items())) or "none"))
    missing = sorted({"send", "accept", "start", "feedback"} - set(done))
    if missing:
        print(
            f"not reached during the mix: {', '.join(missing)} (too short a --duration, or nothing waiting at that step)"
        )
    if Shared.repeat_questions:
        print(
            f"need logging: {Shared.repeat_questions} first POSTs were asked about an open need of the same kind "
            "(answered by ticking 'record as a new need' and saving again, counted as a second request)"
        )
    if Shared.sign_in_failures:
        print(f"sign-in failed for: {', '.join(Shared.sign_in_failures)}")
    for label, result in (("mix", app), ("hello", bare)):
        for error in result["errors"]:
            print(f"error ({label}): {error}")
    loads, busy, top = app_machine
    if loads:
        print(
            f"\nmachine during the mix: load average {min(loads):.1f}-{max(loads):.1f} (mean {sum(loads) / len(loads):.1f}) "
            f"on {os.cpu_count()} cores, CPU busy {sum(busy) / max(1, len(busy)):.0f}% (everything on the machine)"
        )
    if top:
        cores = a["cores"]
        print(
            f"CPU used during the mix: gunicorn {cores['gunicorn']:.2f} cores, PostgreSQL (bench database) "
            f"{cores['postgres']:.2f}, driver {cores['driver']:.2f} of {os.cpu_count()}; the rest went to other work"
        )
        print("top, halfway through the mix:")
        print("\n".join("  " + line for line in top.splitlines()[:20]))
    slow = [r["name"] for r in app["rows"] if (r["p95"] or 0) >= P95_TARGET_MS]
    print(
        f"\ntargets: zero errors — {'met' if a['failures'] == 0 and not Shared.sign_in_failures else 'MISSED'}; "
        f"p95 under {P95_TARGET_MS} ms on every endpoint — {'met' if not slow else 'MISSED: ' + ', '.join(slow)}"
    )


if __name__ == "__main__":
    if "--prepare" in sys.argv:
        prepare(arguments())
    else:
        main()
