"""The child-process runner for readers of untrusted files: items and commands cross the pipe, the
target's own errors come back with their message, and a child that runs out of memory or CPU time, or
dies, is a ChildFailed in the parent — which carries on."""

from __future__ import annotations

import resource

import pytest

from bangfu.common.isolation import Child, ChildFailed, Limits, call
from bangfu.common.tables import TableReadError

T = "tests.common.isolation_targets"
SMALL = Limits(memory_bytes=256 << 20, cpu_seconds=2)


def test_items_and_commands_cross_the_pipe_in_both_directions():
    with Child(f"{T}:echo", ["a", "b"], limits=SMALL) as child:
        assert list(child) == ["a", "b"]
        child.send("x")
        assert list(child) == ["x", "x", "x"]
        child.send("stop")
        assert list(child) == []
        assert child.finished


def test_a_large_answer_streams_in_batches():
    items = call(f"{T}:many", 25_000, limits=SMALL)
    assert len(items) == 25_000 and items[-1] == [24_999, "24999", 24_999.0]


def test_the_targets_own_error_comes_back_with_its_chinese_message():
    with pytest.raises(TableReadError, match=r"文件“台账\.xlsx”无法读取"):
        call(f"{T}:refuse", "台账.xlsx", limits=SMALL)


def test_a_child_that_takes_too_much_memory_fails_alone():
    with pytest.raises(ChildFailed) as caught:
        call(f"{T}:hoard", None, limits=SMALL)
    assert caught.value.reason == "memory"
    # The child never got past its limit; this process is untouched.
    assert resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024 < 1 << 30


def test_a_child_that_spins_is_stopped_by_its_cpu_limit():
    with pytest.raises(ChildFailed) as caught:
        call(f"{T}:spin", None, limits=Limits(memory_bytes=256 << 20, cpu_seconds=1))
    assert caught.value.reason == "cpu"


def test_a_child_that_dies_is_a_failure_not_a_crash_of_the_caller():
    with pytest.raises(ChildFailed):
        call(f"{T}:die", None, limits=SMALL)
    assert call(f"{T}:many", 3, limits=SMALL) == [[0, "0", 0.0], [1, "1", 1.0], [2, "2", 2.0]]


def test_only_project_targets_run():
    with pytest.raises((ChildFailed, ValueError)):
        call("os:system", "echo hacked", limits=SMALL)
