"""Benchmark: saves and logins while a large ledger is previewed and imported (SQLite or PostgreSQL).

Builds a fresh database (SQLite by default; a PostgreSQL database of its own, dropped at the end, when
``DATABASE_URL`` names a server) with the Cixi units, the 2022 seed plan and ``--rows`` existing purchases
(the data of `bench/progress.py`), an office account and four reporters; writes a GBK platform export of
``--file-rows`` rows (default 400,000 ≈ 49 MB, the web's upload limit is 50 MB); starts `bangfu serve`
(waitress and its background-job worker) and then:

1. **baseline** — four clients, each in a loop: log in afresh, save a purchase through the entry form,
   open the dashboard; for ``--seconds`` seconds with nothing else running;
2. **preview** — the office uploads the file through the import wizard; the same four clients loop while
   the worker previews it (until the preview page shows the result);
3. **import** — the office confirms; the clients loop while the worker imports it.

Asserts that no request of any client failed (no 500, no timeout) in any phase and that the import
stored the file's records; prints p50/p95/max per phase and one JSON line whose "ratio" is the p95 of the
clients' requests during the import ÷ their p95 in the baseline.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import bench_database, load_state, write_platform_csv
from web_load import PASSWORD, free_port, login

REPORTERS = ("周巷镇", "观海卫镇", "古塘街道", "浒山街道")


def build(home: Path, rows: int) -> None:
    from _common import fresh_django

    fresh_django(home)
    import random

    import progress as progress_bench
    from django.conf import settings

    from bangfu.accounts.services import account_create
    from bangfu.orgs.models import Organisation
    from bangfu.plans.parsing import parse_table
    from bangfu.plans.services import plan_import
    from bangfu.progress.services import progress_rules_ensure

    seed = Path(settings.BASE_DIR) / "data" / "seeds" / "2022年慈溪市消费帮扶工作任务分解表.docx"
    progress_rules_ensure(plan_import(parsed=parse_table(seed)).plan)
    rng = random.Random(20221204)
    by_kind = progress_bench.build_units(rng)
    progress_bench.build_bases(rng, by_kind, rows)
    if rows:
        from bangfu.ledger.totals import totals_rebuild

        progress_bench.build_purchases(rng, rows)
        totals_rebuild()  # the purchases were written raw: their running totals from them
    account_create(username="office", password=PASSWORD, role="coordinator", validate=False)
    for n, town in enumerate(REPORTERS):
        account_create(
            username=f"town{n}",
            password=PASSWORD,
            role="reporter",
            organisation=Organisation.objects.get(name=town),
            validate=False,
        )


def _csrf(text: str) -> str:
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', text)
    assert found, "page without a CSRF token"
    return found.group(1)


class Client(threading.Thread):
    """Logs in, saves a record, opens the dashboard — again and again until told to stop."""

    def __init__(self, base: str, username: str, town_id: int) -> None:
        super().__init__(daemon=True)
        self.base, self.username, self.town_id = base, username, town_id
        self.samples: dict[str, list[tuple[float, float]]] = {"login": [], "save": [], "dashboard": []}
        self.failures: list[str] = []
        self.stop = threading.Event()
        self.n = 0

    def _timed(self, kind: str, method: Any, url: str, **kwargs: Any) -> None:
        started = time.perf_counter()
        try:
            response = method(url, timeout=120, **kwargs)
        except requests.RequestException as exc:
            self.failures.append(f"{kind}: {type(exc).__name__}")
            return
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code >= 500:
            self.failures.append(f"{kind}: {response.status_code}")
        self.samples[kind].append((time.monotonic(), elapsed))

    def run(self) -> None:
        base = self.base
        while not self.stop.is_set():
            session = requests.Session()
            page = session.get(f"{base}/login/", timeout=120)
            credentials = {
                "username": self.username,
                "password": PASSWORD,
                "csrfmiddlewaretoken": _csrf(page.text),
            }
            self._timed(
                "login",
                session.post,
                f"{base}/login/",
                data=credentials,
                headers={"Referer": f"{base}/login/"},
            )
            form = session.get(f"{base}/ledger/new/", timeout=120)
            self.n += 1
            record = {
                "csrfmiddlewaretoken": _csrf(form.text),
                "purchaser": str(self.town_id),
                "date": "2022-11-20",
                "amount": "128.50",
                "product": "布拖苦荞茶",
                "origin": "布拖县",
                "channel": "offline",
                "order_no": f"LOAD-{self.username}-{self.n}",
            }
            self._timed(
                "save",
                session.post,
                f"{base}/ledger/new/",
                data=record,
                headers={"Referer": f"{base}/ledger/new/"},
                allow_redirects=False,
            )
            self._timed("dashboard", session.get, f"{base}/")


def stats(values: list[float]) -> dict[str, float]:
    if not values:
        return {"n": 0}
    values = sorted(values)
    return {
        "n": len(values),
        "p50_ms": round(statistics.median(values), 1),
        "p95_ms": round(values[max(0, int(len(values) * 0.95) - 1)], 1),
        "max_ms": round(values[-1], 1),
    }


def phase_stats(clients: list[Client], start: float, end: float) -> dict[str, dict[str, float]]:
    result = {}
    for kind in ("login", "save", "dashboard"):
        result[kind] = stats([ms for c in clients for at, ms in c.samples[kind] if start <= at <= end])
    result["all"] = stats(
        [ms for c in clients for kind in c.samples for at, ms in c.samples[kind] if start <= at <= end]
    )
    return result


def wait_for(session: requests.Session, url: str, done: re.Pattern[str], timeout: float) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        page = session.get(url, timeout=120)
        if page.status_code >= 500:
            raise SystemExit(f"{url} → {page.status_code}")
        if done.search(page.text):
            return page.text
        time.sleep(1)
    raise SystemExit(f"timed out waiting for {url}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rows", type=int, default=100_000, help="purchases already stored")
    parser.add_argument("--file-rows", type=int, default=400_000, help="rows of the uploaded file")
    parser.add_argument("--seconds", type=float, default=20, help="length of the baseline phase")
    parser.add_argument("--build-only", metavar="HOME", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.build_only:
        build(Path(args.build_only), args.rows)
        return 0
    with tempfile.TemporaryDirectory(prefix="bangfu-import-load-") as folder:
        home = Path(folder)
        with bench_database(home, "import_load") as database:
            subprocess.run(
                [sys.executable, __file__, "--rows", str(args.rows), "--build-only", str(home)], check=True
            )
            upload_file = write_platform_csv(home / "平台订单导出.csv", args.file_rows)
            size_mb = upload_file.stat().st_size / 2**20
            port = free_port()
            env = {
                **os.environ,
                "BANGFU_HOME": str(home),
                "DEBUG": "0",
                "AXES_FAILURE_LIMIT": "100000",
                "BANGFU_UPLOAD_MAX_MB": str(int(size_mb) + 2),
            }
            server = subprocess.Popen(
                [sys.executable, "-m", "bangfu", "serve", "--port", str(port), "--threads", "8"],
                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            )  # fmt: skip
            base = f"http://127.0.0.1:{port}"
            try:
                for _ in range(150):
                    try:
                        requests.get(f"{base}/login/", timeout=10)
                        break
                    except requests.RequestException:
                        time.sleep(0.2)
                office = login(base, "office")
                towns = {}
                for n in range(len(REPORTERS)):
                    page = login(base, f"town{n}").get(f"{base}/ledger/new/", timeout=60).text
                    towns[f"town{n}"] = int(re.search(r'<option value="(\d+)"[^>]*>', page).group(1))
                clients = [Client(base, name, town) for name, town in towns.items()]
                t0 = time.monotonic()
                for client in clients:
                    client.start()
                time.sleep(args.seconds)
                t1 = time.monotonic()
                form = office.get(f"{base}/ledger/import/", timeout=60)
                with upload_file.open("rb") as handle:
                    response = office.post(
                        f"{base}/ledger/import/",
                        data={"csrfmiddlewaretoken": _csrf(form.text)},
                        files={"file": (upload_file.name, handle)},
                        headers={"Referer": f"{base}/ledger/import/"},
                        timeout=300,
                        allow_redirects=False,
                    )
                assert response.status_code == 302, f"upload refused: {response.status_code}"
                preview_url = base + response.headers["Location"]
                preview = wait_for(office, preview_url, re.compile(r"确认导入（([\d,]+) 条）"), 1800)
                t2 = time.monotonic()
                expected = int(re.search(r"确认导入（([\d,]+) 条）", preview).group(1).replace(",", ""))
                confirm = office.post(
                    preview_url + "confirm/",
                    data={"csrfmiddlewaretoken": _csrf(preview)},
                    headers={"Referer": preview_url},
                    timeout=120,
                    allow_redirects=False,
                )
                assert confirm.status_code == 302, confirm.status_code
                result = wait_for(
                    office, base + confirm.headers["Location"], re.compile("导入完成|已经导入过|未能"), 3600
                )
                t3 = time.monotonic()
                assert "导入完成" in result, "the import did not complete"
                for client in clients:
                    client.stop.set()
                for client in clients:
                    client.join(timeout=300)
            finally:
                server.terminate()
                server.wait(timeout=60)
    failures = [f for c in clients for f in c.failures]
    phases = {
        "baseline": phase_stats(clients, t0, t1),
        "preview": phase_stats(clients, t1, t2),
        "import": phase_stats(clients, t2, t3),
    }
    print(f"file: {args.file_rows:,} rows, {size_mb:.1f} MiB; {expected:,} records to import")
    print(f"preview took {t2 - t1:.1f} s, import {t3 - t2:.1f} s")
    for phase, figures in phases.items():
        for kind, s in figures.items():
            if s.get("n"):
                print(
                    f"{phase:<9} {kind:<10} n {s['n']:4d}  p50 {s['p50_ms']:8.1f} ms  p95 {s['p95_ms']:8.1f} ms"
                    f"  max {s['max_ms']:8.1f} ms"
                )
    print(f"failed requests: {len(failures)} {failures[:10]}")
    ratio = phases["import"]["all"]["p95_ms"] / phases["baseline"]["all"]["p95_ms"]
    print(
        json.dumps(
            {
                "bench": "import_load",
                "database": database,
                "load_average": load_state(),
                "rows": args.rows,
                "file_rows": args.file_rows,
                "file_mib": round(size_mb, 1),
                "preview_s": round(t2 - t1, 1),
                "import_s": round(t3 - t2, 1),
                "phases": phases,
                "failures": len(failures),
                "ratio": round(ratio, 2),
            },
            ensure_ascii=False,
        )
    )
    if failures:
        raise SystemExit(f"{len(failures)} requests failed while importing: {failures[:5]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
