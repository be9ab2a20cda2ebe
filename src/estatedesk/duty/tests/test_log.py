"""The duty log: append-only, hash-chained, corrections, pruning, verify-log (DT-8, RT-2)."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from estatedesk.core.errors import Conflict, PermissionDenied, ValidationFailed
from estatedesk.core.models import AppendOnlyError
from estatedesk.duty.chain import entry_hash, verify_site
from estatedesk.duty.enums import LogEntryKind
from estatedesk.duty.models import GENESIS_HASH, DutyLogAnchor, DutyLogChain, DutyLogEntry
from estatedesk.duty.services import log_entry_append, log_entry_close, log_entry_correct, log_prune
from estatedesk.duty.tests.factories import at
from estatedesk.org.enums import DepartmentKind, Role

pytestmark = pytest.mark.django_db

on_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the append-only trigger exists on PostgreSQL only"
)


def _write(site, user, n, **kwargs):
    return [
        log_entry_append(site=site, kind=LogEntryKind.CALL, text=f"来电 {i}", actor=user, **kwargs)
        for i in range(1, n + 1)
    ]


def test_difficult_problems_go_to_the_supervisor_serious_ones_to_the_manager_dt4(
    site, officer, supervisor, manager
):
    """DT-4: solved on the shift -> nobody is told; difficult -> the CS supervisor; serious ->
    the site manager. A reported entry is important and its event says who was told."""
    from estatedesk.core.models import Event
    from estatedesk.notify.models import Notification

    with time_machine.travel(at(2026, 11, 18, 22, 0), tick=False):
        solved = log_entry_append(
            site=site, kind=LogEntryKind.CALL, text="住户咨询停水时间，已答复", actor=officer
        )
        difficult = log_entry_append(
            site=site,
            kind=LogEntryKind.EVENT,
            text="住户要求今晚更换门锁，涉及收费标准",
            actor=officer,
            report_to="supervisor",
        )
        serious = log_entry_append(
            site=site,
            kind=LogEntryKind.EVENT,
            text="3 栋地下车库进水，水位上涨",
            actor=officer,
            report_to="manager",
        )
        with pytest.raises(ValidationFailed):
            log_entry_append(
                site=site, kind=LogEntryKind.NOTE, text="x", actor=officer, report_to="gm"
            )
    told = Notification.objects.filter(topic="duty.reported")
    assert [(n.user, n.title) for n in told.order_by("pk")] == [
        (supervisor, f"值班报告：事件（第 {difficult.seq} 条）"),
        (manager, f"值班报告：事件（第 {serious.seq} 条）"),
    ]
    assert (solved.important, difficult.important, serious.important) == (False, True, True)
    reported = Event.objects.get(verb="duty.log_appended", subject_id=serious.pk).data
    assert (reported["report_to"], reported["reported"]) == ("manager", 1)


def test_duty_work_and_a_temporary_protective_measure_are_logged_dt3_dt6(site, officer):
    """DT-3 / DT-6: the duty officer's work (an event) and the temporary protective measures
    and staff called from other departments (actions) are chained in the log like every entry."""
    with time_machine.travel(at(2026, 11, 18, 23, 0), tick=False):
        event = log_entry_append(
            site=site, kind=LogEntryKind.EVENT, text="2 栋 5 楼水管爆裂", actor=officer
        )
        action = log_entry_append(
            site=site,
            kind=LogEntryKind.ACTION,
            text="关闭 2 栋总阀，电话通知工程部值班电工到场，设置警示牌",
            actor=officer,
            follow_up=True,
        )
    assert (action.kind, action.prev_hash, action.follow_up) == (
        LogEntryKind.ACTION,
        event.hash,
        True,
    )
    assert verify_site(site).ok


def test_entries_chain_to_the_previous_entry_and_are_kept_three_years_dt8_rt2(site, officer):
    with time_machine.travel(at(2026, 11, 18, 20, 0), tick=False):
        first, second, third = _write(site, officer, 3)
    assert [e.seq for e in (first, second, third)] == [1, 2, 3]
    assert first.prev_hash == GENESIS_HASH
    assert second.prev_hash == first.hash and third.prev_hash == second.hash
    stored = DutyLogEntry.objects.get(pk=second.pk)
    assert entry_hash(stored) == stored.hash
    assert stored.retention_until == dt.date(2029, 11, 18)
    assert stored.author_name == "dispatcher"
    head = DutyLogChain.objects.get(site=site)
    assert (head.last_seq, head.last_hash) == (3, third.hash)
    assert verify_site(site).ok


def test_update_and_delete_through_the_orm_are_refused_dt8(site, officer):
    (entry,) = _write(site, officer, 1)
    entry.text = "改过的内容"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        DutyLogEntry.objects.filter(pk=entry.pk).update(text="改过的内容")
    with pytest.raises(AppendOnlyError):
        DutyLogEntry.objects.filter(pk=entry.pk).delete()
    assert DutyLogEntry.objects.get(pk=entry.pk).text == "来电 1"
    assert verify_site(site).ok


@on_postgres
def test_raw_sql_update_and_delete_are_refused_by_the_postgresql_trigger_dt8(site, officer):
    (entry,) = _write(site, officer, 1)
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE duty_dutylogentry SET text = 'x' WHERE id = %s", [entry.pk])
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM duty_dutylogentry WHERE id = %s", [entry.pk])
    assert DutyLogEntry.objects.filter(pk=entry.pk).values_list("text", flat=True).get() == "来电 1"


def _behind_the_back(sql: str, params: list) -> None:
    """Change the table as someone with database access would: without the trigger."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP TRIGGER duty_log_entry_append_only ON duty_dutylogentry")
        cursor.execute(sql, params)


def test_verify_log_names_the_entry_changed_behind_the_applications_back_dt8(site, officer, capsys):
    entries = _write(site, officer, 4)
    call_command("verify_log")
    assert f"OK {site.code}: 4 条记录 #1–#4 完整" in capsys.readouterr().out

    _behind_the_back(
        "UPDATE duty_dutylogentry SET text = %s WHERE id = %s", ["来电 2（已篡改）", entries[1].pk]
    )
    with pytest.raises(CommandError) as failure:
        call_command("verify_log")
    assert failure.value.returncode == 1
    err = capsys.readouterr().err
    assert f"BROKEN {site.code}: 第 2 条（id {entries[1].pk}）：内容被改动（哈希不符）。" in err


def test_verify_log_detects_a_recomputed_hash_at_the_next_entry_dt8(site, officer):
    entries = _write(site, officer, 3)
    forged = DutyLogEntry.objects.get(pk=entries[0].pk)
    forged.text = "伪造"
    new_hash = entry_hash(forged)
    _behind_the_back(
        "UPDATE duty_dutylogentry SET text = %s, hash = %s WHERE id = %s",
        ["伪造", new_hash, entries[0].pk],
    )
    report = verify_site(site)
    assert (report.problem.seq, report.problem.entry_id) == (2, entries[1].pk)
    assert "第 1 条被改动或替换" in report.problem.reason


def test_verify_log_detects_removed_entries_in_the_middle_and_at_the_end_dt8(site, officer):
    entries = _write(site, officer, 5)
    _behind_the_back("DELETE FROM duty_dutylogentry WHERE id = %s", [entries[2].pk])
    report = verify_site(site)
    assert (report.problem.seq, report.problem.reason) == (4, "第 3–3 条记录缺失（被删除）。")


def test_verify_log_detects_entries_removed_from_the_end_dt8(site, officer):
    entries = _write(site, officer, 3)
    _behind_the_back("DELETE FROM duty_dutylogentry WHERE id = %s", [entries[2].pk])
    report = verify_site(site)
    assert (report.problem.seq, report.problem.reason) == (2, "链尾第 3–3 条记录缺失（被删除）。")


def test_correction_is_a_new_entry_pointing_at_the_original_and_keeps_the_chain_valid_dt8(
    site, officer
):
    (original,) = _write(site, officer, 1, follow_up=True)
    correction = log_entry_correct(
        entry=original, text="来电 1：3栋1201 漏水", reason="房号记错", actor=officer
    )
    assert (correction.seq, correction.corrects_id, correction.kind) == (2, original.pk, "call")
    assert correction.follow_up is True
    assert DutyLogEntry.objects.get(pk=original.pk).text == "来电 1"
    assert verify_site(site).ok
    with pytest.raises(Conflict):
        log_entry_correct(entry=original, text="再改", reason="又错了", actor=officer)
    assert DutyLogEntry.objects.filter(site=site).count() == 2


def test_close_takes_a_follow_up_off_and_cannot_close_twice_dt10(site, officer):
    (item,) = _write(site, officer, 1, follow_up=True)
    closure = log_entry_close(entry=item, text="工程部已处理完毕", actor=officer)
    assert (closure.kind, closure.closes_id) == (LogEntryKind.CLOSURE, item.pk)
    with pytest.raises(Conflict):
        log_entry_close(entry=item, text="再次办结", actor=officer)
    assert DutyLogEntry.objects.filter(site=site).count() == 2


def test_staff_outside_the_cs_desk_cannot_write_the_log_dt8(site, make_staff):
    cleaner = make_staff(site, Role.DEPT_STAFF, DepartmentKind.CLEANING)
    with pytest.raises(PermissionDenied):
        log_entry_append(site=site, kind=LogEntryKind.NOTE, text="x", actor=cleaner)
    assert not DutyLogEntry.objects.exists()


def test_empty_text_and_unknown_kind_are_refused_dt8(site, officer):
    with pytest.raises(ValidationFailed):
        log_entry_append(site=site, kind=LogEntryKind.NOTE, text="  ", actor=officer)
    with pytest.raises(ValidationFailed):
        log_entry_append(site=site, kind=LogEntryKind.HANDOVER, text="x", actor=officer)
    assert not DutyLogEntry.objects.exists()


def test_pruning_after_three_years_anchors_the_chain_and_verify_still_passes_rt2(
    site, officer, capsys
):
    with time_machine.travel(at(2023, 3, 1, 20, 0), tick=False):
        _write(site, officer, 3)
    with time_machine.travel(at(2026, 1, 5, 20, 0), tick=False):
        kept = _write(site, officer, 2)
    with time_machine.travel(at(2026, 3, 2, 9, 0), tick=False):
        assert log_prune(site=site) == 3
        assert log_prune(site=site) == 0
        after = log_entry_append(site=site, kind=LogEntryKind.NOTE, text="修剪后", actor=officer)
    anchor = DutyLogAnchor.objects.get(site=site)
    assert (anchor.seq, anchor.pruned_count) == (4, 3)
    assert anchor.prev_hash == kept[0].prev_hash
    assert list(DutyLogEntry.objects.filter(site=site).values_list("seq", flat=True)) == [4, 5, 6]
    assert after.prev_hash == kept[1].hash
    report = verify_site(site)
    assert report.ok and report.anchored
    call_command("verify_log", site=site.code)
    assert f"OK {site.code}: 3 条记录 #4–#6 完整（自删除锚点起）" in capsys.readouterr().out


def test_entries_before_the_first_kept_one_without_an_anchor_are_reported_missing_rt2(
    site, officer
):
    entries = _write(site, officer, 3)
    _behind_the_back("DELETE FROM duty_dutylogentry WHERE id = %s", [entries[0].pk])
    report = verify_site(site)
    assert (report.problem.seq, report.problem.reason) == (2, "第 1–1 条记录缺失，且没有删除锚点。")


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks between connections need PostgreSQL"
)
def test_concurrent_appends_keep_one_valid_chain_dt8(site, officer):
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def writer(n: int) -> None:
        try:
            barrier.wait()
            for i in range(5):
                log_entry_append(
                    site=site, kind=LogEntryKind.CALL, text=f"线程 {n} 第 {i} 条", actor=officer
                )
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    seqs = list(DutyLogEntry.objects.filter(site=site).values_list("seq", flat=True))
    assert seqs == list(range(1, 41))
    assert verify_site(site).ok
