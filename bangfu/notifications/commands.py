"""`bangfu remind`: the month's reminders for units behind schedule or silent — prepare, send, retry.

Scheduled (see docs/operations.md): `bangfu remind --send` on the 1st of each month at 09:00 and
`bangfu remind --retry` every 15 minutes. Exit 0 even when some deliveries failed (they are logged and
retried; the command says so); exit 2 with one Chinese line for user errors.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from typing import Any

from django.utils import timezone

from bangfu.common.command_line import AddCommand, UserError, parse_date_arg, setup_django
from bangfu.progress.commands import plan_for


def _reason(reminder: Any) -> str:
    from bangfu.notifications.choices import Reason

    return str(Reason(reminder.reason).label)


def _note(reminder: Any) -> str:
    if reminder.pk is None:
        return "演练，未保存"
    if reminder.retrying and reminder.next_attempt_at:
        return f"{reminder.last_error}（{timezone.localtime(reminder.next_attempt_at):%m-%d %H:%M} 重试）"
    return reminder.last_error if reminder.status != "sent" else ""


def _table(reminders: Iterable[Any], *, with_period: bool = False) -> None:
    head = ["单位", "原因", "渠道", "接收方", "状态", "次数", "说明"]
    print("\t".join((["报送期"] if with_period else []) + head))
    for r in reminders:
        row = [
            r.unit.name,
            _reason(r),
            r.get_channel_display(),
            r.recipient_display,
            "待发送" if r.pk is None else r.status_label,
            str(r.attempts),
            _note(r).replace("\n", " "),
        ]
        print("\t".join(([r.period] if with_period else []) + row))


def _send_summary(result: Any) -> None:
    print(
        f"发送：成功 {len(result.sent)} 条，待重试 {len(result.retrying)} 条，"
        f"失败 {len(result.failed)} 条（已放弃）。"
        + (f"另有 {result.skipped} 条正由其他进程发送。" if result.skipped else "")
    )
    failed = len(result.retrying) + len(result.failed)
    if failed:
        retry = "，待重试的将由 bangfu remind --retry 自动重发" if result.retrying else ""
        print(f"提示：有 {failed} 条提醒发送失败，原因见“说明”列{retry}。", file=sys.stderr)


def _plan(args: argparse.Namespace) -> Any:
    from bangfu.notifications.selectors import ReminderError, period_parse, reminder_plan_default

    if args.year:
        return plan_for(args.year)
    if args.period:
        try:
            year, _month = period_parse(args.period)
        except ReminderError as exc:
            raise UserError(str(exc)) from exc
        return plan_for(year)
    plan = reminder_plan_default(timezone.localdate())
    if plan is None:
        raise UserError("尚未导入任务分解表。")
    return plan


def _retry(args: argparse.Namespace) -> int:
    from bangfu.notifications.selectors import reminders_due
    from bangfu.notifications.services import reminders_send

    now = timezone.now()
    if args.dry_run:
        due = list(reminders_due(now))
        print(f"演练：到期待发送的提醒 {len(due)} 条（未发送）。")
        if due:
            _table(due, with_period=True)
        return 0
    result = reminders_send(now=now)
    if not result.attempted and not result.skipped:
        print("没有到期待发送的提醒。")
        return 0
    _send_summary(result)
    _table(result.attempted, with_period=True)
    return 0


def cmd_remind(args: argparse.Namespace) -> int:
    as_of = parse_date_arg(args.as_of)
    if args.retry and (args.year or args.as_of or args.period):
        raise UserError("--retry 只发送已生成的到期提醒，不能与 --year、--as-of、--period 同用。")
    setup_django()
    if args.retry:
        return _retry(args)

    from bangfu.notifications.notices import date_text
    from bangfu.notifications.selectors import (
        ReminderError,
        period_key,
        reminder_list,
        reminder_period_resolve,
        reminders_due,
    )
    from bangfu.notifications.services import reminders_prepare, reminders_send

    plan = _plan(args)
    try:
        as_of, period = reminder_period_resolve(
            plan, as_of=as_of, period=args.period, today=timezone.localdate()
        )
        prepared = reminders_prepare(plan, as_of=as_of, period=period_key(period), dry_run=args.dry_run)
    except ReminderError as exc:
        raise UserError(str(exc)) from exc

    dry = "（演练：不保存、不发送）" if args.dry_run else ""
    print(
        f"催报提醒{dry}：{plan.year}年{period.month}月报送期（{date_text(period.start)}至"
        f"{date_text(period.due)}），截至{date_text(as_of)}"
    )
    both = sum(1 for n in prepared.notices if n.reason == "both")
    print(
        f"需提醒 {len(prepared.notices)} 个单位：进度滞后 {prepared.count('behind')} 个，"
        f"本期未报送 {prepared.count('silent')} 个" + (f"（其中 {both} 个两者兼有）" if both else "") + "。"
    )
    verb = "将生成" if args.dry_run else "新生成"
    print(f"{verb}提醒 {len(prepared.created)} 条；本期此前已生成 {prepared.existing} 条（不重复生成）。")
    if prepared.unreachable:
        names = "、".join(unit.name for unit in prepared.unreachable)
        print(
            f"以下 {len(prepared.unreachable)} 个单位没有电子邮箱或群机器人，未生成提醒"
            f"（请在管理后台“单位联系方式”中补充，或为其账号填写电子邮箱）：{names}"
        )
    if args.send and args.dry_run:
        due = len(reminders_due(timezone.now()))
        print(f"演练：将发送 {due + len(prepared.created)} 条（含新生成的 {len(prepared.created)} 条）。")
    elif args.send:
        _send_summary(reminders_send(now=timezone.now()))
    rows = prepared.created if args.dry_run else list(reminder_list(plan=plan, period=prepared.key))
    if rows:
        print()
        _table(rows)
    return 0


def register(add: AddCommand, subparsers: Any) -> None:
    remind = add(
        "remind",
        cmd_remind,
        "为进度滞后或本期未报送的单位生成催报提醒（电子邮件、群机器人），可同时发送；同一报送期不重复生成",
        subparsers,
    )
    remind.add_argument("--year", type=int, help="年度（默认：仍在报送期内的最近年度的任务分解表）")
    remind.add_argument("--as-of", help="截至日期 YYYY-MM-DD（默认今天，不晚于年底）")
    remind.add_argument("--period", help="报送期 YYYY-MM，即所催报数据的月份（默认截至日期所在的报送期）")
    remind.add_argument("--send", action="store_true", help="生成后发送所有到期的提醒（含待重试的）")
    remind.add_argument(
        "--retry",
        action="store_true",
        help="只发送已生成、到期的待发送和待重试提醒，不生成新提醒（供定时任务每15分钟运行）",
    )
    remind.add_argument("--dry-run", action="store_true", help="只显示将生成、将发送的提醒，不保存、不发送")
