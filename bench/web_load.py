"""Benchmark: page latency under load with a million records (dashboard and ledger list).

Builds the data of `bench/progress.py` (≈5,000 units, ``--rows`` purchases, default 1,000,000) in a fresh
database — SQLite by default, or a PostgreSQL database of its own when ``DATABASE_URL`` names a server
(dropped at the end unless ``--home`` keeps it) — adds a coordinator and a 周巷镇 reporter, starts `bangfu serve` (waitress, 8 threads) in a
subprocess, logs in over HTTP and fires ``--requests`` requests per page from ``--clients`` concurrent
clients:

- dashboard (coordinator and reporter), the ledger list (first page, a filtered page, a text search,
  the next page by cursor), a unit page;
- baseline: the password-change page — an authenticated page that does no domain work — measured in
  the same run, the same way.

Prints p50/p95/max per page, the first (uncached) dashboard request separately, and ends with one JSON
line with "database"; "ratio" is the worst page's p95 ÷ the baseline's p95. Target: dashboard and ledger list p95 under
300 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import bench_database, database_kind, load_state, pg_database_exists

PASSWORD = "bench-password-2022"


def build(home: Path, rows: int) -> None:
    """The database, in this process (Django set up on ``home``)."""
    from _common import fresh_django

    fresh_django(home)
    import progress as progress_bench  # bench/progress.py: the same data as the progress benchmark
    from django.conf import settings

    from bangfu.accounts.services import account_create
    from bangfu.ledger.totals import totals_rebuild
    from bangfu.orgs.models import Organisation
    from bangfu.plans.parsing import parse_table
    from bangfu.plans.services import plan_import
    from bangfu.progress.services import progress_rules_ensure

    seed = Path(settings.BASE_DIR) / "data" / "seeds" / "2022年慈溪市消费帮扶工作任务分解表.docx"
    plan = plan_import(parsed=parse_table(seed)).plan
    progress_rules_ensure(plan)
    rng = random.Random(20221031)
    by_kind = progress_bench.build_units(rng)
    progress_bench.build_bases(rng, by_kind, rows)
    progress_bench.build_purchases(rng, rows)
    totals_rebuild()  # the purchases were written raw: their running totals from them
    account_create(username="office", password=PASSWORD, role="coordinator", validate=False)
    account_create(
        username="town",
        password=PASSWORD,
        role="reporter",
        organisation=Organisation.objects.get(name="周巷镇"),
        validate=False,
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def login(base: str, username: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{base}/login/", timeout=30)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert token, "login page without a CSRF token"
    response = session.post(
        f"{base}/login/",
        data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token.group(1)},
        headers={"Referer": f"{base}/login/"},
        timeout=60,
    )
    assert response.ok and "logout" in response.text, f"login failed for {username}"
    return session


def timed(session: requests.Session, url: str) -> float:
    started = time.perf_counter()
    response = session.get(url, timeout=120)
    elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise SystemExit(f"{url} → {response.status_code}")
    return elapsed * 1000


def measure(session: requests.Session, url: str, requests_n: int, clients: int) -> dict[str, float]:
    with ThreadPoolExecutor(max_workers=clients) as pool:
        samples = sorted(pool.map(lambda _i: timed(session, url), range(requests_n)))
    p95 = samples[max(0, int(len(samples) * 0.95) - 1)]
    return {
        "p50_ms": round(statistics.median(samples), 1),
        "p95_ms": round(p95, 1),
        "max_ms": round(samples[-1], 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=60, help="requests per page")
    parser.add_argument("--clients", type=int, default=4, help="concurrent clients")
    parser.add_argument(
        "--home", metavar="DIR", help="keep the database in DIR and reuse it when it is already built"
    )
    parser.add_argument("--build-only", metavar="HOME", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.build_only:
        build(Path(args.build_only), args.rows)
        return 0
    with tempfile.TemporaryDirectory(prefix="bangfu-web-bench-") as folder:
        home = Path(args.home or folder).resolve()
        home.mkdir(parents=True, exist_ok=True)
        kind = database_kind()
        marker = home / f"web-{kind}.json"
        reuse = bool(args.home) and marker.exists() and (kind == "sqlite" or pg_database_exists(home, "web"))
        with bench_database(home, "web", keep=bool(args.home), fresh=not reuse):
            if not reuse:
                for old in home.glob("bangfu.sqlite3*"):
                    old.unlink()
                started = time.perf_counter()
                subprocess.run(
                    [sys.executable, __file__, "--rows", str(args.rows), "--build-only", str(home)],
                    check=True,
                )
                marker.write_text(json.dumps({"rows": args.rows}))
                print(f"built {args.rows:,} records in {time.perf_counter() - started:.0f} s")
            rows = json.loads(marker.read_text())["rows"]
            results, cold = serve_and_measure(home, args.requests, args.clients)
    baseline = results.pop("baseline (password page)")
    worst = max(results.items(), key=lambda kv: kv[1]["p95_ms"])
    ratio = worst[1]["p95_ms"] / baseline["p95_ms"]
    load = load_state()
    print(f"database: {kind}; load average {load}")
    print(f"first dashboard request (uncached): {cold:.0f} ms")
    print(
        f"worst p95: {worst[0]} {worst[1]['p95_ms']} ms; baseline p95 {baseline['p95_ms']} ms; ratio {ratio:.1f}"
    )
    print(
        json.dumps(
            {
                "bench": "web_load",
                "database": kind,
                "rows": rows,
                "clients": args.clients,
                "requests_per_page": args.requests,
                "baseline": baseline,
                "pages": results,
                "first_dashboard_ms": round(cold),
                "worst_p95_ms": worst[1]["p95_ms"],
                "ratio": round(ratio, 2),
                "load_average": load,
            },
            ensure_ascii=False,
        )
    )
    return 0


def serve_and_measure(home: Path, requests_n: int, clients: int) -> tuple[dict[str, dict[str, float]], float]:
    """Start `bangfu serve` on the bench database, time every page; returns the figures and the first
    (uncached) dashboard request."""
    port = free_port()
    env = {**os.environ, "BANGFU_HOME": str(home), "DEBUG": "0", "AXES_FAILURE_LIMIT": "1000"}
    server = subprocess.Popen(
        [sys.executable, "-m", "bangfu", "serve", "--port", str(port), "--threads", "8"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                requests.get(f"{base}/login/", timeout=30)
                break
            except requests.RequestException:  # not listening yet, or its first request is slow
                time.sleep(0.2)
        office, town = login(base, "office"), login(base, "town")
        cold = timed(office, f"{base}/")
        unit_id = re.search(r"/progress/(\d+)/", office.get(f"{base}/plans/", timeout=120).text)
        pages = {
            "baseline (password page)": (office, f"{base}/password/"),
            "dashboard (coordinator)": (office, f"{base}/"),
            "dashboard (reporter)": (town, f"{base}/"),
            "ledger list": (office, f"{base}/ledger/"),
            "ledger list, filtered": (office, f"{base}/ledger/?status=approved&channel=832&date_from=2022-03-01&date_to=2022-04-30"),
            "ledger list, search": (office, f"{base}/ledger/?q=%E5%B8%83%E6%8B%96"),
            "ledger list (reporter)": (town, f"{base}/ledger/"),
        }  # fmt: skip
        if unit_id:
            pages["unit page"] = (office, f"{base}/progress/{unit_id.group(1)}/")
        results = {}
        for name, (session, url) in pages.items():
            timed(session, url)  # warm this page's caches
            results[name] = measure(session, url, requests_n, clients)
            r = results[name]
            print(
                f"{name:<28} p50 {r['p50_ms']:7.1f} ms   p95 {r['p95_ms']:7.1f} ms   max {r['max_ms']:7.1f} ms"
            )
    finally:
        server.terminate()
        server.wait(timeout=30)
    return results, cold


if __name__ == "__main__":
    raise SystemExit(main())
