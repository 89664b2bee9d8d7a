"""The command line's own messages (usage, help, argument errors) are Chinese, not argparse's English."""

import pytest

from bangfu.cli import main


def test_missing_argument_is_chinese(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["ledger", "import"])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "用法：bangfu ledger import" in err
    assert "缺少必填参数：file" in err
    assert "error" not in err and "usage" not in err


def test_unknown_option_and_command_are_chinese(capsys):
    with pytest.raises(SystemExit):
        main(["progress", "--bogus"])
    assert "无法识别的参数：--bogus" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["plan", "nonsense"])
    assert "无效的选项 'nonsense'" in capsys.readouterr().err


def test_help_is_chinese(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    assert "显示本帮助并退出" in out and "选项" in out
    assert "show this help" not in out and "options:" not in out
