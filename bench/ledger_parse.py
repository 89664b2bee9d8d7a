"""Benchmark: reading and classifying a platform-style GBK CSV with ``bangfu.ledger.parsing``.

Generates a GBK CSV of ``--rows N`` rows (default 1,000,000) in a temporary folder — 订单编号, 下单时间,
采购单位, 商品名称, 供应商, 产地, 订单金额(元), 订单状态, with ~1% cancelled orders, some "1,280.00"-style
amounts and a few blank and 合计 rows — then times

(a) the floor: ``csv.reader`` over the gb18030-decoded file, doing nothing with the rows;
(b) ``open_ledger(path).rows()`` consumed to the end (encoding and header detection included).

Prints rows/s, the ratio (b)/(a), the process' peak RSS and the traced Python-heap peak of a separate
pass over the first 200,000 rows (showing that memory does not grow with the file), and ends with one
JSON line of the figures. Usage: ``python bench/ledger_parse.py [--rows N] [--keep DIR]``.
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from itertools import islice
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import write_platform_csv

from bangfu.ledger.parsing import open_ledger


def generate(path: Path, rows: int) -> None:
    write_platform_csv(path, rows)


def floor(path: Path) -> tuple[float, int]:
    """The fastest plain read: csv.reader over the gb18030-decoded file."""
    started = time.perf_counter()
    count = 0
    with path.open("r", encoding="gb18030", newline="") as handle:
        for _row in csv.reader(handle):
            count += 1
    return time.perf_counter() - started, count


def parse(path: Path) -> tuple[float, Counter[str], int]:
    started = time.perf_counter()
    ledger = open_ledger(path)
    kinds: Counter[str] = Counter()
    total_fen = 0
    for row in ledger.rows():
        kinds[row.kind] += 1
        if row.record is not None:
            total_fen += row.record.amount_fen
    return time.perf_counter() - started, kinds, total_fen


def traced_peak(path: Path, rows: int) -> float:
    """Peak traced Python heap (MiB) while streaming the first ``rows`` rows."""
    tracemalloc.start()
    try:
        for _row in islice(open_ledger(path).rows(), rows):
            pass
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--rows", type=int, default=1_000_000, help="data rows to generate (default 1,000,000)"
    )
    parser.add_argument("--keep", type=Path, default=None, help="write the CSV into this folder and keep it")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="bangfu-bench-") as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "832平台订单导出.csv"
        started = time.perf_counter()
        generate(path, args.rows)
        generated = time.perf_counter() - started
        size_mib = path.stat().st_size / 2**20
        print(f"generated {args.rows:,} rows, {size_mib:.1f} MiB GBK CSV in {generated:.1f} s: {path}")

        floor(path)  # warm the page cache so neither timing pays for the disk
        floor_s, records = floor(path)
        parse_s, kinds, total_fen = parse(path)
        rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        heap_mib = traced_peak(path, min(args.rows, 200_000))

    rows_read = sum(kinds.values())
    ratio = parse_s / floor_s
    print(f"floor  csv.reader (gb18030)   {floor_s:7.2f} s  {records / floor_s:12,.0f} rows/s")
    print(f"parse  open_ledger().rows()   {parse_s:7.2f} s  {rows_read / parse_s:12,.0f} rows/s")
    print(f"ratio  parse / floor          {ratio:7.2f}")
    print(f"per row: parsing {1e6 * (parse_s - floor_s) / rows_read:.2f} µs above the floor")
    print(
        f"kinds: {dict(sorted(kinds.items()))}; accepted total {total_fen // 100:,}.{total_fen % 100:02d} 元"
    )
    print(f"peak RSS {rss_mib:.0f} MiB; traced heap peak while streaming 200k rows {heap_mib:.1f} MiB")
    figures = {
        "bench": "ledger_parse",
        "database": "none",  # reading and classifying only: no database is involved
        "rows": args.rows,
        "file_mib": round(size_mib, 1),
        "floor_s": round(floor_s, 3),
        "parse_s": round(parse_s, 3),
        "floor_rows_per_s": round(records / floor_s),
        "parse_rows_per_s": round(rows_read / parse_s),
        "us_per_row_above_floor": round(1e6 * (parse_s - floor_s) / rows_read, 3),
        "ratio": round(ratio, 3),
        "peak_rss_mib": round(rss_mib),
        "traced_heap_peak_mib": round(heap_mib, 1),
        "kinds": dict(sorted(kinds.items())),
        "total_yuan": f"{total_fen // 100}.{total_fen % 100:02d}",
    }
    print(json.dumps(figures, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
