"""The site's own commands: ``bangfu init``, ``demo``, ``serve``, ``worker`` and ``manage`` — the
database, the demo data, the web server and its background worker, Django's management commands."""

from __future__ import annotations

import argparse
import os
import signal
import sys
from typing import Any

from bangfu.common.command_line import AddCommand, UserError, setup_django


def cmd_init(args: argparse.Namespace) -> int:
    setup_django(require_migrated=False)
    from django.conf import settings
    from django.core.management import call_command

    from bangfu.orgs.services import orgs_load_file
    from bangfu.regions.services import regions_seed

    call_command("migrate", interactive=False, verbosity=0)
    result = orgs_load_file(settings.BASE_DIR / "data" / "cixi_orgs.json")
    regions_seed()
    from django.db import connection

    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:  # statistics for the query planner (PostgreSQL: autovacuum)
            cursor.execute("ANALYZE")
    db = settings.DATABASES["default"]
    print(f"数据库已就绪：{db['ENGINE'].rsplit('.', 1)[-1]} {db.get('NAME')}")
    if result.created or result.groups_created:
        print(f"已载入单位 {len(result.created)} 个、单位组 {len(result.groups_created)} 个。")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    cmd_init(args)
    from bangfu.demo import demo_load

    for line in demo_load():
        print(line)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    setup_django()
    from waitress import serve

    from bangfu.backups.serving import DatabaseBusy, serving_lock
    from bangfu.common.supervise import Supervised
    from bangfu.config.wsgi import application

    try:
        # Held while serving, so that `bangfu restore` refuses to run under a live site.
        with serving_lock():
            worker = None
            if not args.no_worker:
                command = [sys.executable, "-m", "bangfu", "worker", "--exit-with", str(os.getpid())]
                worker = Supervised(command, name="后台任务进程").start()
            # SIGTERM (a service manager stopping us) ends the server like Ctrl+C: the worker stops too.
            signal.signal(signal.SIGTERM, signal.default_int_handler)
            print(f"bangfu 已启动：http://{args.host}:{args.port}/  （按 Ctrl+C 停止）", flush=True)
            try:
                serve(application, host=args.host, port=args.port, threads=args.threads, ident="bangfu")
            finally:
                if worker is not None:
                    worker.stop()
    except DatabaseBusy as exc:
        raise UserError(str(exc)) from exc
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    """Run background jobs (previews and imports of uploaded files) until stopped."""
    setup_django()
    from django.core.management import call_command

    from bangfu.ledger.services.uploads import uploads_recover

    if args.exit_with:
        _exit_with(args.exit_with)
    recovered = uploads_recover()
    if recovered:
        print(f"{recovered} 个被中断的导入已标记为失败", file=sys.stderr, flush=True)
    call_command("db_worker", interval=args.interval, verbosity=0)
    return 0


def _exit_with(pid: int) -> None:
    """Stop (gracefully, as on SIGTERM) once process ``pid`` is gone — a worker started by a server that
    was killed must not live on."""
    import threading
    import time

    def watch() -> None:
        while True:
            time.sleep(2)
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                os.kill(os.getpid(), signal.SIGTERM)
                return
            except PermissionError:
                continue

    threading.Thread(target=watch, name="exit-with-server", daemon=True).start()


def cmd_manage(args: argparse.Namespace) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bangfu.config.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["bangfu manage", *args.rest])
    return 0


def register(add: AddCommand, subparsers: Any) -> None:
    add("init", cmd_init, "创建或升级数据库，载入单位清单（可重复执行）", subparsers)
    add("demo", cmd_demo, "载入种子任务分解表和演示数据（可重复执行）", subparsers)
    serve = add("serve", cmd_serve, "启动网页服务", subparsers)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--threads", type=int, default=8)
    serve.add_argument(
        "--no-worker", action="store_true", help="不启动后台任务进程（另行运行 bangfu worker 时）"
    )
    worker = add(
        "worker",
        cmd_worker,
        "运行后台任务进程（分析和导入上传的文件）；bangfu serve 会自动启动它",
        subparsers,
    )
    worker.add_argument("--interval", type=float, default=1.0, help="空闲时查询新任务的间隔（秒）")
    worker.add_argument("--exit-with", type=int, metavar="PID", help=argparse.SUPPRESS)
    manage = add("manage", cmd_manage, "运行 Django 管理命令（如 createsuperuser）", subparsers)
    manage.add_argument("rest", nargs=argparse.REMAINDER)
