"""``bangfu backup`` and ``bangfu restore``: parse arguments, call one service, report."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import Any

from bangfu.common.command_line import AddCommand, UserError, existing_file, setup_django


def register(add: AddCommand, subparsers: Any) -> None:
    backup = add("backup", cmd_backup, "备份数据库和上传文件（证明材料、问题行报告）到一个 .tar.gz 文件")
    backup.add_argument("path", help="备份文件路径；给出目录时在其中生成 bangfu-日期-时间.tar.gz")
    backup.add_argument("--force", action="store_true", help="覆盖已有的同名文件")
    restore = add("restore", cmd_restore, "从备份文件恢复数据库和上传文件，并升级到当前版本")
    restore.add_argument("path", help="bangfu backup 生成的 .tar.gz 文件")
    restore.add_argument("--yes", action="store_true", help="确认用备份替换目标数据库中已有的数据")
    restore.add_argument(
        "--while-serving",
        action="store_true",
        help="不检查 bangfu serve 是否正在使用该数据库（仅供清楚后果的管理员使用）",
    )


def cmd_backup(args: argparse.Namespace) -> int:
    setup_django(require_migrated=False)
    from .services import BackupError, backup_create, counts_text, size_text

    try:
        result = backup_create(path=Path(args.path), overwrite=args.force)
    except BackupError as exc:
        raise UserError(str(exc)) from exc
    manifest = result.manifest
    print(f"已备份到 {result.path}（{size_text(result.size)}）")
    print(
        f"数据库：{_engine(manifest.engine)}，{counts_text(manifest.counts) or '没有数据'}；上传文件 {result.media_files} 个。"
    )
    for path in result.skipped:
        print(f"提示：未备份链接或特殊文件 {path}")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    path = existing_file(args.path)
    setup_django(require_migrated=False)
    from .services import BackupError, backup_restore, counts_text, model_name

    try:
        result = backup_restore(path=path, replace_data=args.yes, while_serving=args.while_serving)
    except BackupError as exc:
        raise UserError(str(exc)) from exc
    manifest = result.manifest
    print(
        f"已从 {path} 恢复 {_when(manifest.created_at)} 的备份（bangfu {manifest.bangfu_version}，"
        f"{_engine(manifest.engine)}）：{counts_text(result.counts) or '没有数据'}；上传文件 {result.media_files} 个。"
    )
    if result.migrations_applied:
        print(f"已把数据库升级到当前版本（{len(result.migrations_applied)} 个迁移）。")
    for label, (before, after) in result.differences().items():
        print(f"提示：{model_name(label)} 备份时 {before} 行，恢复后 {after} 行")
    if result.media_set_aside:
        print(f"原有上传文件已移到 {result.media_set_aside}，确认无用后可删除。")
    return 0


def _when(iso: str) -> str:
    try:
        return f"{dt.datetime.fromisoformat(iso):%Y-%m-%d %H:%M}"
    except ValueError:
        return iso


def _engine(vendor: str) -> str:
    from .services import ENGINES

    return ENGINES.get(vendor, vendor)
