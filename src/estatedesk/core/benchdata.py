"""Benchmark data: a believable property-management company and N tickets over two years.

``estatedesk bench-data --tickets N --sites S`` and ``bench/generate.py`` call ``generate``.
It builds a company (sites, buildings, units, residents, departments, staff in every role,
outside units, price lists, duty rosters) and N tickets received over ``days`` days with the
mixes of a real customer-service center: kinds, channels, departments, complaint validity and
severity (CP-2, CP-3), ratings (RQ-10), follow-ups (DS-3/DS-4), referrals (CV-2), notes,
service slips (DS-5), the calls-and-visits log (CV-1), the audit events of every change and
the duty log of every night (DT-8).

Nothing goes through the services one row at a time (1,000,000 tickets would take hours);
rows are built in memory and written in bulk: PostgreSQL ``COPY ... FROM STDIN`` through
psycopg's ``cursor.copy()``, other databases ``executemany``. What must agree with the
application is computed by the application's own code:

- each ticket's events are replayed through the SLA policies (``sla.policy``: start and meet
  matching, conditions, deadlines on the business calendar, escalation levels), the way
  ``sla.services.clocks_on_event`` moves clocks, with the sweep's warnings, breaches,
  escalations and RP-4 exceptions at the times the sweep would have written them; so
  ``Ticket.next_due_at`` is the earliest due time of the running, unpaused clocks;
- complaint clocks read ``complaints.clocks.event_data``;
- duty-log hashes come from ``duty.chain.compute_hash`` over ``DutyLogEntry.content()``, so
  ``estatedesk verify-log`` passes;
- ticket numbers are ``<site code><yymmdd><4 digits>`` in receipt order per site and day and
  the ``core.Sequence`` rows hold each day's last value, so the next intake continues them.

Everything after ``now`` is cut off: a ticket received an hour ago is still open, one from
last year is closed (or, rarely, still waiting on an outside unit).
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import os
import queue
import random
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.color import no_style
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.db.models import Max

from estatedesk.complaints import clocks as complaint_clocks
from estatedesk.complaints.enums import Scope, Severity, Stage, TellVia, Validity
from estatedesk.complaints.models import Complaint, ReturnVisit
from estatedesk.core import clock
from estatedesk.core.calendar import (
    DutyHours,
    RoundTheClock,
    WorkingCalendar,
    overrides_for,
)
from estatedesk.core.models import Event, Sequence
from estatedesk.dispatch.models import FollowUp
from estatedesk.duty.chain import compute_hash
from estatedesk.duty.enums import LogEntryKind, RosterKind, RosterState
from estatedesk.duty.models import (
    GENESIS_HASH,
    LOG_RETENTION_YEARS,
    DutyAssignment,
    DutyLogChain,
    DutyLogEntry,
    LogSignoff,
    OnCallEntry,
    PostItem,
    Roster,
)
from estatedesk.org.enums import DepartmentKind, DutyModeChoice, ExternalPartyKind, Relation, Role
from estatedesk.org.models import (
    Building,
    Company,
    Department,
    ExternalParty,
    Membership,
    Occupancy,
    PublicPlace,
    Resident,
    Site,
    Unit,
)
from estatedesk.sla import policy as policy_rules
from estatedesk.sla.enums import (
    FIRST_ESCALATION_LEVEL,
    LEVEL_BREACH,
    LEVEL_WARN,
    Anchor,
    DeadlineRule,
)
from estatedesk.sla.models import Clock, ClockAction, ClockException, SlaPolicy
from estatedesk.tickets import workflow
from estatedesk.tickets.enums import (
    REFERRAL_REPAIR_CLASS,
    SPECIAL_KINDS,
    STATE_GROUP,
    CallKind,
    CallLink,
    CancelKind,
    Channel,
    ConsultationMode,
    LogClass,
    ReferralKind,
    RepairClass,
    StateGroup,
    TicketKind,
    TicketState,
    Urgency,
)
from estatedesk.tickets.models import (
    Callback,
    CallLog,
    Consultation,
    Note,
    PaidService,
    PriceItem,
    Referral,
    ServiceSlip,
    Ticket,
)
from estatedesk.triage import dataset

COMPANY_CODE = "BENCH"
PASSWORD = "estatedesk-bench"  # noqa: S105 - benchmark accounts on a benchmark database
DEFAULT_DAYS = 730
TICKETS_PER_SITE = 20_000  # default sites: one per 20,000 tickets (≈27 a day over two years)
FLUSH_TICKETS = 5_000
SWEEP_LAG = 30  # seconds: the sweep runs every 30 s
K = TicketKind
S = TicketState

# --- mixes ----------------------------------------------------------------------------------

KIND_MIX: list[tuple[str, float]] = [
    (K.REPAIR, 47.5),
    (K.CONSULTATION, 14.0),
    (K.OTHER_HELP, 14.0),
    (K.COMPLAINT, 10.0),
    (K.PAID_SERVICE, 8.0),
    (K.SECURITY_INCIDENT, 2.5),
    (K.PUBLIC_SAFETY, 1.2),
    (K.EMERGENCY_MEDICAL, 0.8),
    (K.DISASTER, 0.8),
    (K.ACCIDENT, 0.6),
    (K.FIRE, 0.3),
    (K.URGENT_ORDER, 0.3),
]
CHANNEL_MIX: list[tuple[str, float]] = [
    (Channel.HOTLINE, 55.0),
    (Channel.ONLINE, 22.0),
    (Channel.VISIT, 15.0),
    (Channel.INTERNAL, 4.0),
    (Channel.WRITTEN, 3.0),
    (Channel.LETTER, 1.0),
]
SPECIAL_CHANNEL_MIX: list[tuple[str, float]] = [
    (Channel.HOTLINE, 85.0),
    (Channel.VISIT, 10.0),
    (Channel.INTERNAL, 5.0),
]
RESIDENT_ONLINE_KINDS = frozenset({K.REPAIR, K.COMPLAINT, K.CONSULTATION, K.OTHER_HELP})
SEVERITY_MIX = [(Severity.MINOR, 70.0), (Severity.IMPORTANT, 24.0), (Severity.MAJOR, 6.0)]
RATING_MIX = [(5, 60.0), (4, 25.0), (3, 9.0), (2, 4.0), (1, 2.0)]
# Hour-of-day weights of incoming requests (local time).
HOUR_WEIGHTS = [
    0.6, 0.4, 0.3, 0.3, 0.3, 0.5, 1.2, 3.0, 6.5, 9.0, 9.5, 8.5,
    6.0, 6.5, 8.0, 8.5, 8.0, 7.0, 5.5, 6.0, 6.5, 5.0, 3.0, 1.4,
]  # fmt: skip
# Kinds the triage dataset has no texts for.
EXTRA_TEXTS: dict[str, list[tuple[str, str]]] = {
    K.FIRE: [
        ("楼道烟雾报警器一直响，闻到焦味", "security"),
        ("地下车库有电动车冒烟，快来人", "security"),
        ("楼下垃圾桶着火了", "security"),
    ],
    K.PUBLIC_SAFETY: [
        ("中心花园围墙砖块松动，怕砸到小孩", "engineering"),
        ("小区门口井盖不见了，很危险", "engineering"),
        ("楼顶广告牌被风吹得摇晃", "engineering"),
        ("有陌生人在楼道里挨家敲门推销", "security"),
    ],
    K.ACCIDENT: [
        ("东门口两车剐蹭，有人受了轻伤", "security"),
        ("老人在小区路上摔倒，腿流血了", "security"),
        ("地库出口有车撞到道闸", "security"),
    ],
    K.URGENT_ORDER: [
        ("街道办通知今晚检查消防通道", "management"),
        ("公司领导要求今天内排查所有电梯", "management"),
        ("派出所通知协查一辆可疑车辆", "security"),
    ],
}
PLACE_NAMES = [
    "大堂",
    "地下车库",
    "中心花园",
    "会所",
    "东门岗亭",
    "西门岗亭",
    "游泳池",
    "儿童游乐区",
]
VENDORS = [
    (ExternalPartyKind.TELEPHONE, "电信营业厅", 24),
    (ExternalPartyKind.BROADBAND, "宽带维护站", 24),
    (ExternalPartyKind.WATER_HEATER, "热水器售后", 48),
    (ExternalPartyKind.VIDEO_INTERCOM, "可视对讲维保", 24),
    (ExternalPartyKind.SECURITY_DOOR, "防盗门售后", 48),
    (ExternalPartyKind.DEVELOPER, "置业公司（开发商）", 72),
    (ExternalPartyKind.CONTRACTOR, "建设集团保修组", 48),
]
PRICES = [
    ("疏通下水道", "次", Decimal("80.00")),
    ("更换水龙头（不含材料）", "个", Decimal("30.00")),
    ("安装晾衣架", "套", Decimal("60.00")),
    ("开锁服务", "次", Decimal("50.00")),
    ("家政保洁", "小时", Decimal("45.00")),
    ("空调清洗", "台", Decimal("90.00")),
]
POST_ITEMS = [("对讲机", 4), ("灭火器", 2), ("应急手电", 2), ("水瓶", 1), ("雨伞", 3)]
SITE_PREFIXES = [
    ("翠湖", "CH"), ("锦绣", "JX"), ("碧桂", "BG"), ("金域", "JY"), ("星河", "XH"),
    ("紫荆", "ZJ"), ("海棠", "HT"), ("滨江", "BJ"), ("云杉", "YS"), ("御景", "YJ"),
    ("龙湾", "LW"), ("天悦", "TY"), ("丽晶", "LJ"), ("华府", "HF"), ("半山", "BS"),
    ("清溪", "QX"), ("润园", "RY"), ("新城", "XC"), ("南湖", "NH"), ("枫林", "FL"),
]  # fmt: skip
SITE_SUFFIXES = [
    ("花园", "H"),
    ("华庭", "T"),
    ("名苑", "M"),
    ("公馆", "G"),
    ("雅居", "Y"),
    ("家园", "J"),
]
PHASES = [("", ""), ("二期", "B"), ("三期", "C")]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚华建国志红玉文辉鑫宇浩然欣怡子涵梓萱嘉豪晨阳"
# Staff of every site: (role, department kind, how many).
SITE_STAFF: list[tuple[str, str | None, int]] = [
    (Role.CS_ASSISTANT, DepartmentKind.CUSTOMER_SERVICE, 3),
    (Role.DISPATCHER, DepartmentKind.CUSTOMER_SERVICE, 3),
    (Role.CS_SUPERVISOR, DepartmentKind.CUSTOMER_SERVICE, 1),
    (Role.SITE_MANAGER, DepartmentKind.MANAGEMENT, 1),
    (Role.DEPT_HEAD, DepartmentKind.ENGINEERING, 1),
    (Role.TEAM_LEADER, DepartmentKind.ENGINEERING, 1),
    (Role.DEPT_STAFF, DepartmentKind.ENGINEERING, 5),
    (Role.DEPT_HEAD, DepartmentKind.SECURITY, 1),
    (Role.TEAM_LEADER, DepartmentKind.SECURITY, 1),
    (Role.DEPT_STAFF, DepartmentKind.SECURITY, 6),
    (Role.DEPT_HEAD, DepartmentKind.CLEANING, 1),
    (Role.DEPT_STAFF, DepartmentKind.CLEANING, 4),
    (Role.FINANCE, DepartmentKind.FINANCE, 1),
    (Role.QUALITY, DepartmentKind.QUALITY, 1),
]
SITES_PER_AREA = 10
NOTE_TEXTS = [
    "已电话联系住户，约定上门时间",
    "师傅已到现场查看，需更换配件",
    "配件已到，明天上午上门更换",
    "住户不在家，已留言约定再次上门",
    "已协调相关部门共同处理",
]
WORK_DONE = ["已更换配件，试用正常", "已疏通，排水正常", "已维修完毕，住户确认", "现场处理完毕"]
ANSWERS = ["已电话答复住户", "已当面解答住户疑问", "已告知办理流程和所需材料"]
COMPLAINT_HANDLING = ["已向住户道歉并整改", "已约谈相关员工并加强培训", "已协调施工方整改完毕"]
DUTY_TEXTS = {
    LogEntryKind.PATROL: [
        "巡查消防通道，无异常",
        "巡查地下车库，照明正常",
        "巡查各楼栋大堂门禁，正常",
    ],
    LogEntryKind.EVENT: [
        "3号电梯短暂停运，已通知维保",
        "东门道闸故障，已人工放行",
        "雨水较大，已检查地库排水",
    ],
    LogEntryKind.NOTE: ["已检查对讲机电量", "已通知保洁明早清理垃圾站", "已登记快递暂存"],
}


def _weighted(pairs: list[tuple[Any, float]]) -> tuple[list[Any], list[float]]:
    values = [v for v, _w in pairs]
    cumulative = list(itertools.accumulate(w for _v, w in pairs))
    return values, cumulative


# --- bulk writing ----------------------------------------------------------------------------

_REQUIRED = object()


class _Table:
    """The rows of one model, as tuples in its concrete fields' order."""

    def __init__(self, model: type[models.Model]) -> None:
        self.model = model
        fields = list(model._meta.concrete_fields)
        self.fields = fields
        self.names = [f.attname for f in fields]
        self.pairs: list[tuple[str, Any]] = []
        for f in fields:
            if f.primary_key:
                default: Any = _REQUIRED
            elif f.has_default():
                default = f.get_default()
            elif f.null:
                default = None
            elif isinstance(f, models.CharField | models.TextField):
                default = ""
            else:
                default = _REQUIRED
            self.pairs.append((f.attname, default))
        self.json_positions = [i for i, f in enumerate(fields) if isinstance(f, models.JSONField)]
        self.rows: list[tuple[Any, ...]] = []
        self.written = 0
        self._checked = False

    def add(self, values: dict[str, Any]) -> None:
        if not self._checked:
            # A model that gained a required column is reported here, not as a NULL error
            # deep inside COPY.
            unknown = set(values) - set(self.names)
            missing = [n for n, d in self.pairs if d is _REQUIRED and n not in values]
            if unknown or missing:
                raise RuntimeError(
                    f"benchdata is out of date for {self.model._meta.label}: "
                    f"unknown {sorted(unknown)}, missing {missing}"
                )
            self._checked = True
        self.rows.append(tuple([values.get(n, d) for n, d in self.pairs]))

    def expect(self, names: tuple[str, ...]) -> list[tuple[Any, ...]]:
        """The row list, for callers appending tuples in ``names`` order (the hot tables);
        refuses if the model's columns are not exactly those."""
        if tuple(self.names) != names:
            raise RuntimeError(
                f"benchdata is out of date for {self.model._meta.label}: columns are "
                f"{self.names}, expected {list(names)}"
            )
        return self.rows


_ENCODER = DjangoJSONEncoder(ensure_ascii=False, separators=(",", ":"))


def _json(value: Any) -> str:
    if not value and isinstance(value, dict):
        return "{}"
    return _ENCODER.encode(value)


class _Writer:
    """Writes ``_Table`` rows: COPY on PostgreSQL, executemany INSERTs elsewhere.

    With ``threaded`` (PostgreSQL, ``fast``) a second thread with its own connection runs the
    COPYs, so the server parses and indexes one batch while this thread builds the next.
    JSON columns may hold a ready JSON string (the hot paths build them) or a value.
    """

    def __init__(self, *, threaded: bool, replica: bool) -> None:
        self.postgres = connection.vendor == "postgresql"
        self.tables: dict[type[models.Model], _Table] = {}
        self.order: list[type[models.Model]] = []
        self.threaded = threaded and self.postgres
        self._queue: queue.Queue[tuple[_Table, list[tuple[Any, ...]]] | None] = queue.Queue(4)
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None
        self.server_cpu: float | None = None  # CPU seconds of the COPY connection's backend
        if self.threaded:
            params = connection.get_connection_params()
            self._thread = threading.Thread(
                target=self._run, args=(params, replica), name="benchdata-copy", daemon=True
            )
            self._thread.start()

    def table(self, model: type[models.Model]) -> _Table:
        found = self.tables.get(model)
        if found is None:
            found = self.tables[model] = _Table(model)
            self.order.append(model)
        return found

    def flush(self, models_in_order: Iterable[type[models.Model]] | None = None) -> None:
        for model in models_in_order or list(self.order):
            table = self.tables.get(model)
            if table is None or not table.rows:
                continue
            rows, table.rows = table.rows, []
            table.written += len(rows)
            if self.threaded:
                self._put((table, rows))
            elif self.postgres:
                with connection.cursor() as cursor:
                    _copy(cursor.cursor, table, rows)
            else:
                self._insert(table, rows)

    def close(self) -> None:
        """Wait for the COPY thread to finish everything queued."""
        if self._thread is not None:
            self._put(None)
            self._thread.join()
            self._thread = None
        if self._error is not None:
            raise self._error

    def _put(self, item: tuple[_Table, list[tuple[Any, ...]]] | None) -> None:
        while True:
            if self._error is not None:
                raise self._error
            try:
                self._queue.put(item, timeout=1)
                return
            except queue.Full:
                continue

    def _run(self, params: dict[str, Any], replica: bool) -> None:
        import psycopg

        try:
            with psycopg.connect(**params, autocommit=True) as conn:
                conn.execute("SET synchronous_commit = off")
                if replica:
                    conn.execute("SET session_replication_role = replica")
                while (item := self._queue.get()) is not None:
                    table, rows = item
                    with conn.cursor() as cursor:
                        _copy(cursor, table, rows)
                self.server_cpu = _backend_cpu(conn.info.backend_pid)
        except BaseException as exc:  # reported to the generating thread
            self._error = exc
            while self._queue.get() is not None:  # unblock the producer
                pass

    def _insert(self, table: _Table, rows: list[tuple[Any, ...]]) -> None:
        quote = connection.ops.quote_name
        columns = ", ".join(quote(f.column) for f in table.fields)
        marks = ", ".join(["%s"] * len(table.fields))
        sql = f"INSERT INTO {quote(table.model._meta.db_table)} ({columns}) VALUES ({marks})"  # noqa: S608 - names from the models
        fields = table.fields
        json_positions = set(table.json_positions)
        prepared = [
            [
                v
                if i in json_positions and isinstance(v, str)
                else f.get_db_prep_save(v, connection)
                for i, (f, v) in enumerate(zip(fields, row, strict=True))
            ]
            for row in rows
        ]
        with connection.cursor() as cursor:
            cursor.executemany(sql, prepared)

    def counts(self) -> dict[str, int]:
        return {m._meta.label: self.tables[m].written for m in self.order}


def _backend_cpu(pid: int) -> float | None:
    """CPU seconds a PostgreSQL backend on this machine has used (None if not readable)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _copy(cursor: Any, table: _Table, rows: list[tuple[Any, ...]]) -> None:
    """``COPY table FROM STDIN`` of ``rows`` on a psycopg cursor."""
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in table.fields)
    sql = f"COPY {quote(table.model._meta.db_table)} ({columns}) FROM STDIN"
    positions = table.json_positions
    with cursor.copy(sql) as copy:
        write = copy.write_row
        if not positions:
            for row in rows:
                write(row)
            return
        for row in rows:
            values = list(row)
            for i in positions:
                if not isinstance(values[i], str):
                    values[i] = _json(values[i])
            write(values)


class _Ids:
    """Primary keys handed out in memory, continuing after the rows already in the table."""

    def __init__(self) -> None:
        self._next: dict[type[models.Model], Iterator[int]] = {}

    def restart(self, starts: dict[type[models.Model], int], *, offset: int, step: int) -> None:
        for model, start in starts.items():
            self._next[model] = itertools.count(start + offset, step)

    def __call__(self, model: type[models.Model]) -> int:
        counter = self._next.get(model)
        if counter is None:
            start = (model._default_manager.aggregate(m=Max("pk"))["m"] or 0) + 1
            counter = self._next[model] = itertools.count(start)
        return next(counter)


# --- calendars ---------------------------------------------------------------------------------


class _CachedCalendar(WorkingCalendar):
    """The site's working calendar with each date's status looked up once (chinesecalendar
    re-validates its whole table on every call: ~60 µs a date)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        object.__setattr__(self, "_days", {})

    def is_working_day(self, day: dt.date) -> bool:
        days: dict[dt.date, bool] = self._days  # type: ignore[attr-defined]
        found = days.get(day)
        if found is None:
            found = days[day] = super().is_working_day(day)
        return found


# --- the company -------------------------------------------------------------------------------


@dataclass
class _Unit:
    pk: int
    building_id: int
    label: str
    residents: list[tuple[int, str, str]]  # (resident id, name, phone)


@dataclass
class _Site:
    index: int
    obj: Site
    site_id: int
    weight: float
    calendars: dict[str, Any]
    duty: DutyHours
    departments: dict[str, tuple[int, str]] = field(default_factory=dict)
    staff: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    workers: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    units: list[_Unit] = field(default_factory=list)
    places: list[tuple[int, str]] = field(default_factory=list)
    parties: list[tuple[int, int, str]] = field(default_factory=list)  # id, hours, name
    prices: list[tuple[int, str, Decimal]] = field(default_factory=list)
    policies: list[SlaPolicy] = field(default_factory=list)
    policies_by_start: dict[str, list[tuple[SlaPolicy, str]]] = field(default_factory=dict)
    policies_by_id: dict[int, SlaPolicy] = field(default_factory=dict)
    # meet events without data conditions (a verb is enough) and with them (matched in full)
    meet_plain: dict[int, frozenset[str]] = field(default_factory=dict)
    meet_keyed: dict[int, list[str]] = field(default_factory=dict)
    meet_json: dict[int, str] = field(default_factory=dict)
    cancel_json: dict[int, str] = field(default_factory=dict)
    cancel_events: dict[int, list[str]] = field(default_factory=dict)
    desk_staff: list[int] = field(default_factory=list)
    shifts: dict[dt.date, Any] = field(default_factory=dict)
    # calls and visits received during duty hours: (received_at, text) for the duty log
    duty_calls: list[tuple[dt.datetime, str]] = field(default_factory=list)


@dataclass(frozen=True)
class Summary:
    company_id: int
    sites: int
    tickets: int
    open_tickets: int
    units: int
    residents: int
    staff: int
    seconds: float
    rows: dict[str, int]
    cpu_seconds: float = 0.0  # the generating processes (all parts)
    server_cpu_seconds: float | None = None  # their COPY backends, when measurable

    def lines(self) -> list[str]:
        server = (
            f", PostgreSQL COPY backends {self.server_cpu_seconds:,.0f} s"
            if self.server_cpu_seconds is not None
            else ""
        )
        out = [
            f"company {self.company_id}: {self.sites} sites, {self.units:,} units, "
            f"{self.residents:,} residents, {self.staff:,} staff",
            f"{self.tickets:,} tickets ({self.open_tickets:,} open) in {self.seconds:,.1f} s "
            f"({self.tickets / max(self.seconds, 0.001):,.0f} tickets/s)",
            f"CPU: generator {self.cpu_seconds:,.0f} s{server}",
        ]
        out += [f"  {label:<28} {count:>12,}" for label, count in self.rows.items() if count]
        return out


class Generator:
    """One run of the generator; ``generate()`` is the entry point."""

    def __init__(
        self,
        *,
        tickets: int,
        sites: int,
        days: int,
        seed: int,
        now: dt.datetime,
        fast: bool,
        workers: int,
        log: Callable[[str], None],
    ) -> None:
        self.n_tickets = tickets
        self.n_sites = sites
        self.days = days
        self.now = now
        self.fast = fast
        self.log = log
        self.rng = random.Random(seed)  # noqa: S311 - benchmark data, not secrets
        self.seed = seed
        self.out = _Writer(threaded=False, replica=False)
        self.ids = _Ids()
        self.sites: list[_Site] = []
        self.labels: dict[int, str] = {}
        self.company_wide: dict[str, list[int]] = defaultdict(list)
        self.sequences: Counter[str] = Counter()
        self.open_tickets = 0
        self.tickets_done = 0
        self.zone = clock.local_zone()
        self.start = now - dt.timedelta(days=days)
        self.first_day = clock.localtime(self.start).date() + dt.timedelta(days=1)
        self.texts = self._texts()
        self.kind_values, self.kind_cum = _weighted(KIND_MIX)
        self.channel_values, self.channel_cum = _weighted(CHANNEL_MIX)
        self.special_channels, self.special_cum = _weighted(SPECIAL_CHANNEL_MIX)
        self.severity_values, self.severity_cum = _weighted(SEVERITY_MIX)
        self.rating_values, self.rating_cum = _weighted(RATING_MIX)
        self.password = make_password(PASSWORD)
        self.company_id = 0
        self.workers = workers
        self.part = 0

    # -- helpers ---------------------------------------------------------------------------

    def pick(self, values: list[Any], cumulative: list[float]) -> Any:
        return self.rng.choices(values, cum_weights=cumulative)[0]

    def lognormal(self, median_seconds: float, sigma: float = 0.8) -> float:
        return median_seconds * math.exp(self.rng.gauss(0.0, sigma))

    def name(self) -> str:
        rng = self.rng
        given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.6 else "")
        return rng.choice(SURNAMES) + given

    def phone(self) -> str:
        return f"1{self.rng.choice('3589')}{self.rng.randrange(10**9):09d}"

    def _texts(self) -> dict[str, list[tuple[str, str, str]]]:
        texts: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
        for row in dataset.rows():
            texts[row.kind].append((row.text, row.department, row.severity))
        for kind, rows in EXTRA_TEXTS.items():
            texts[kind].extend((text, dept, "") for text, dept in rows)
        return texts

    def shift_at(self, ctx: _Site, at: dt.datetime) -> Any:
        """The site's duty shift covering ``at`` (DT-2), or None in staffed hours; each day's
        shift is computed once."""
        local = at.astimezone(self.zone)
        day = local.date()
        for candidate in (day - dt.timedelta(days=1), day):
            shift = ctx.shifts.get(candidate)
            if shift is None:
                shift = ctx.shifts[candidate] = ctx.duty.shift_of_day(candidate)
            if shift.contains(local):
                return shift
        return None

    # -- run -------------------------------------------------------------------------------

    def run(self) -> Summary:
        started = time.perf_counter()
        cpu_started = time.process_time()
        if Company.objects.filter(code=COMPANY_CODE).exists():
            raise RuntimeError(
                f"company {COMPANY_CODE} already exists: generate into an empty database"
            )
        with self._bulk_session():
            self._company()
        units, residents = self._count(Unit), self._count(Resident)
        rows = self.out.counts()
        self.log(
            f"company: {len(self.sites)} sites, {units:,} units, {residents:,} residents, "
            f"{len(self.labels):,} staff ({time.perf_counter() - started:.1f} s)"
        )
        # Each part generates the tickets and duty logs of every n-th site, with its own
        # primary keys (start + part, step n) so parts never collide.
        starts = {
            model: (model._default_manager.aggregate(m=Max("pk"))["m"] or 0) + 1
            for model in PART_TABLES
        }
        workers = max(1, min(self.workers, len(self.sites)))
        if workers == 1:
            parts = [self._part(0, 1, starts, started)]
        else:
            parts = self._fork(workers, starts, started)
        tickets = sum(part["tickets"] for part in parts)
        cpu = time.process_time() - cpu_started  # the parent, and a part run in it
        if workers > 1:
            cpu += sum(part["cpu"] for part in parts)
        server_cpus = [part["server_cpu"] for part in parts]
        server_cpu = None if None in server_cpus else sum(server_cpus)
        open_tickets = sum(part["open"] for part in parts)
        for part in parts:
            for label, count in part["rows"].items():
                rows[label] = rows.get(label, 0) + count
        self._reset_sequences()
        if self.out.postgres:
            self._analyze()
        elapsed = time.perf_counter() - started
        return Summary(
            company_id=self.company_id,
            sites=len(self.sites),
            tickets=tickets,
            open_tickets=open_tickets,
            units=units,
            residents=residents,
            staff=len(self.labels),
            seconds=elapsed,
            rows=rows,
            cpu_seconds=cpu,
            server_cpu_seconds=server_cpu,
        )

    def _part(
        self, part: int, parts: int, starts: dict[type[models.Model], int], started: float
    ) -> dict[str, Any]:
        """Tickets and duty logs of the sites ``index % parts == part``."""
        self.ids.restart(starts, offset=part, step=parts)
        self.rng.seed(self.seed + part)
        self.out.tables = {}
        self.out.order = []
        self.part = part
        self.tickets_done = self.open_tickets = 0
        mine = [ctx for ctx in self.sites if ctx.index % parts == part]
        cpu_started = time.process_time()
        with self._bulk_session():
            self._tickets(mine, started)
            self._duty(mine)
            self._sequences()
            self.out.flush()
        return {
            "tickets": self.tickets_done,
            "open": self.open_tickets,
            "rows": self.out.counts(),
            "cpu": time.process_time() - cpu_started,
            "server_cpu": self.out.server_cpu,
        }

    def _fork(
        self, workers: int, starts: dict[type[models.Model], int], started: float
    ) -> list[dict[str, Any]]:
        """Run the parts in forked processes (each with its own connections); returns their
        results or raises the first failure."""
        import multiprocessing

        context = multiprocessing.get_context("fork")
        results: Any = context.Queue()
        connection.close()  # each process opens its own

        def work(part: int) -> None:
            try:
                results.put((part, self._part(part, workers, starts, started), ""))
            except BaseException as exc:
                results.put((part, None, f"{type(exc).__name__}: {exc}"))
            finally:
                connection.close()

        processes = [context.Process(target=work, args=(part,)) for part in range(workers)]
        for process in processes:
            process.start()
        collected: list[dict[str, Any]] = []
        failure = ""
        for _n in processes:
            _part, result, error = results.get()
            if error:
                failure = failure or f"part {_part}: {error}"
            else:
                collected.append(result)
        for process in processes:
            process.join()
        if failure:
            raise RuntimeError(failure)
        return collected

    def _count(self, model: type[models.Model]) -> int:
        table = self.out.tables.get(model)
        return (table.written + len(table.rows)) if table else 0

    @contextmanager
    def _bulk_session(self) -> Iterator[None]:
        """PostgreSQL with ``fast``: COPY from a second connection (each COPY commits on its
        own, no transaction holds millions of rows), without waiting for the WAL flush per
        COPY and, for a superuser, without per-row foreign-key triggers (the generator makes
        every reference itself). Otherwise COPY or INSERT on this connection, in one
        transaction for databases other than PostgreSQL."""
        if not self.out.postgres:
            with transaction.atomic():
                yield
            return
        if not self.fast:
            yield
            return
        with connection.cursor() as cursor:
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            row = cursor.fetchone()
        self.out = _Writer(threaded=True, replica=bool(row and row[0]))
        try:
            yield
        finally:
            self.out.close()

    def _reset_sequences(self) -> None:
        written = [*self.out.order, *PART_TABLES]
        statements = connection.ops.sequence_reset_sql(no_style(), written)
        if statements:
            with connection.cursor() as cursor:
                for sql in statements:
                    cursor.execute(sql)

    def _analyze(self) -> None:
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            for model in [*self.out.order, *PART_TABLES]:
                cursor.execute(f"ANALYZE {quote(model._meta.db_table)}")

    # -- organisation ------------------------------------------------------------------------

    def _user(self, username: str, full_name: str, joined: dt.datetime) -> int:
        pk = self.ids(get_user_model())
        self.out.table(get_user_model()).add(
            {
                "id": pk,
                "password": self.password,
                "username": username,
                "first_name": full_name,  # Chinese names read surname first: keep them whole
                "email": f"{username}@bench.invalid",
                "is_active": True,
                "date_joined": joined,
            }
        )
        self.labels[pk] = full_name
        return pk

    def _site_names(self) -> Iterable[tuple[str, str]]:
        for phase, phase_code in PHASES:
            for prefix, prefix_code in SITE_PREFIXES:
                for suffix, suffix_code in SITE_SUFFIXES:
                    yield f"{prefix}{suffix}{phase}", f"{prefix_code}{suffix_code}{phase_code}"

    def _company(self) -> None:
        out, ids, rng = self.out, self.ids, self.rng
        self.company_id = ids(Company)
        out.table(Company).add(
            {"id": self.company_id, "name": "压测物业服务集团", "code": COMPANY_CODE}
        )
        names = list(itertools.islice(self._site_names(), 10_000))
        rng.shuffle(names)
        taken = set(Site.objects.values_list("code", flat=True))
        names = [(n, c) for n, c in names if c not in taken]
        if self.n_sites > len(names):
            raise RuntimeError(f"at most {len(names)} sites")
        overrides = overrides_for(None)
        joined = self.start - dt.timedelta(days=30)
        per_site = self.n_tickets / max(1, self.n_sites)
        for index in range(self.n_sites):
            name, code = names[index]
            late = rng.random() < 0.25
            site = Site(
                id=ids(Site),
                company_id=self.company_id,
                code=code,
                name=name,
                address=f"示例市{rng.choice('东南西北')}区{name}路{rng.randrange(1, 300)}号",
                phone=f"0755-{rng.randrange(10**7, 10**8)}",
                work_start=dt.time(9, 0) if late else dt.time(8, 30),
                work_end=dt.time(18, 0) if late else dt.time(17, 30),
                duty_mode=DutyModeChoice.ROUND_THE_CLOCK
                if rng.random() < 0.2
                else DutyModeChoice.EVENINGS,
                is_active=True,
            )
            out.table(Site).add(
                {f.attname: getattr(site, f.attname) for f in Site._meta.concrete_fields}
            )
            working = _CachedCalendar(site.work_start, site.work_end, overrides)
            ctx = _Site(
                index=index,
                obj=site,
                site_id=site.pk,
                weight=rng.uniform(0.6, 1.4),
                calendars={"working": working, "24x7": RoundTheClock()},
                duty=DutyHours(working, site.duty_mode, site.work_start, site.work_end),
            )
            self.sites.append(ctx)
            self._site_org(ctx, per_site * ctx.weight, joined)
        # company-level staff: area managers (one per SITES_PER_AREA sites), deputy GM, GM
        for area in range(0, len(self.sites), SITES_PER_AREA):
            user = self._user(f"bench.area{area // SITES_PER_AREA + 1}", self.name(), joined)
            self.company_wide[Role.AREA_MANAGER].append(user)
            for ctx in self.sites[area : area + SITES_PER_AREA]:
                self._member(user, ctx, Role.AREA_MANAGER, None)
        for role, username in ((Role.DEPUTY_GM, "bench.deputy"), (Role.GM, "bench.gm")):
            user = self._user(username, self.name(), joined)
            self.company_wide[role].append(user)
            for ctx in self.sites:
                self._member(user, ctx, role, None)
        self._policies()
        out.flush()

    def _member(self, user: int, ctx: _Site, role: str, department: str | None) -> None:
        ctx.staff[role].append(user)
        dept = ctx.departments[department][0] if department else None
        self.out.table(Membership).add(
            {
                "id": self.ids(Membership),
                "user_id": user,
                "site_id": ctx.obj.pk,
                "role": role,
                "department_id": dept,
                "is_active": True,
            }
        )

    def _site_org(self, ctx: _Site, expected_tickets: float, joined: dt.datetime) -> None:
        out, ids, rng = self.out, self.ids, self.rng
        site = ctx.obj
        for kind, label in DepartmentKind.choices:
            pk = ids(Department)
            out.table(Department).add(
                {"id": pk, "site_id": site.pk, "kind": kind, "name": str(label)}
            )
            ctx.departments[kind] = (pk, str(label))
        # About five requests a household a year: size the site to its ticket volume.
        years = max(self.days / 365, 0.1)
        households = int(min(4000, max(120, expected_tickets / years / 5)))
        floors = rng.choice([6, 11, 18, 26, 33])
        per_floor = rng.choice([2, 4, 6])
        buildings = max(1, math.ceil(households / (floors * per_floor)))
        for b in range(1, buildings + 1):
            building_id = ids(Building)
            out.table(Building).add(
                {
                    "id": building_id,
                    "site_id": site.pk,
                    "name": f"{b}栋",
                    "floors": floors,
                    "sort_order": b,
                }
            )
            for floor in range(1, floors + 1):
                for room in range(1, per_floor + 1):
                    self._unit(ctx, building_id, f"{b}栋", floor, f"{floor}{room:02d}", joined)
        for name in PLACE_NAMES:
            pk = ids(PublicPlace)
            out.table(PublicPlace).add({"id": pk, "site_id": site.pk, "name": name})
            ctx.places.append((pk, name))
        for kind, name, hours in VENDORS:
            pk = ids(ExternalParty)
            out.table(ExternalParty).add(
                {
                    "id": pk,
                    "site_id": site.pk,
                    "kind": kind,
                    "name": f"{site.name}{name}"[:100],
                    "contact_name": "售后服务",
                    "phone": f"400-800-{rng.randrange(1000, 9999)}",
                    "committed_response_hours": hours,
                }
            )
            ctx.parties.append((pk, hours, name))
        for order, (name, unit_label, price) in enumerate(PRICES):
            pk = ids(PriceItem)
            out.table(PriceItem).add(
                {
                    "id": pk,
                    "site_id": site.pk,
                    "name": name,
                    "unit_label": unit_label,
                    "price": price,
                    "is_active": True,
                    "sort_order": order,
                }
            )
            ctx.prices.append((pk, name, price))
        code = site.code.lower()
        for role, department, count in SITE_STAFF:
            for n in range(1, count + 1):
                suffix = (
                    f"{department}.{role}{n}"
                    if role in {Role.DEPT_STAFF, Role.TEAM_LEADER, Role.DEPT_HEAD}
                    else f"{role}{n}"
                )
                user = self._user(f"{code}.{suffix}", self.name(), joined)
                self._member(user, ctx, role, department)
                if department and role in {Role.DEPT_STAFF, Role.TEAM_LEADER, Role.DEPT_HEAD}:
                    ctx.workers[department].append(user)
        # Departments without staff of their own are worked by the CS desk.
        for kind in (DepartmentKind.FINANCE, DepartmentKind.QUALITY, DepartmentKind.MANAGEMENT,
                     DepartmentKind.CUSTOMER_SERVICE):  # fmt: skip
            if not ctx.workers[kind]:
                ctx.workers[kind] = list(ctx.staff[Role.CS_ASSISTANT])
        ctx.desk_staff = ctx.staff[Role.CS_ASSISTANT] + ctx.staff[Role.DISPATCHER]
        for order, (name, quantity) in enumerate(POST_ITEMS):
            out.table(PostItem).add(
                {"id": ids(PostItem), "site_id": site.pk, "name": name, "quantity": quantity,
                 "location": "客服中心值班台", "sort_order": order, "is_active": True}
            )  # fmt: skip
        for role, on_call in (
            (Role.SITE_MANAGER, "manager"),
            (Role.CS_SUPERVISOR, "cs_head"),
        ):
            out.table(OnCallEntry).add(
                {"id": ids(OnCallEntry), "site_id": site.pk, "role": on_call,
                 "user_id": ctx.staff[role][0], "phone": self.phone(), "priority": 1}
            )  # fmt: skip
        for department, on_call in (
            (DepartmentKind.SECURITY, "security_head"),
            (DepartmentKind.ENGINEERING, "maintenance_head"),
        ):
            out.table(OnCallEntry).add(
                {"id": ids(OnCallEntry), "site_id": site.pk, "role": on_call,
                 "user_id": ctx.workers[department][0], "phone": self.phone(), "priority": 1}
            )  # fmt: skip

    def _unit(
        self,
        ctx: _Site,
        building_id: int,
        building: str,
        floor: int,
        number: str,
        joined: dt.datetime,
    ) -> None:
        out, ids, rng = self.out, self.ids, self.rng
        pk = ids(Unit)
        roll = rng.random()
        status = "occupied" if roll < 0.86 else ("vacant" if roll < 0.95 else "renovating")
        out.table(Unit).add(
            {
                "id": pk,
                "building_id": building_id,
                "site_id": ctx.obj.pk,
                "floor": floor,
                "number": number,
                "area": Decimal(rng.randrange(6000, 16000)) / 100,
                "status": status,
            }
        )
        residents: list[tuple[int, str, str]] = []
        if status != "vacant":
            for n in range(1 if rng.random() < 0.6 else 2):
                resident = ids(Resident)
                name, phone = self.name(), self.phone()
                out.table(Resident).add(
                    {"id": resident, "site_id": ctx.obj.pk, "name": name, "phone": phone,
                     "id_number": f"44030{rng.randrange(10**12, 10**13)}", "created_at": joined}
                )  # fmt: skip
                relation = (
                    Relation.OWNER
                    if n == 0 and rng.random() < 0.8
                    else (Relation.TENANT if n == 0 else Relation.FAMILY)
                )
                out.table(Occupancy).add(
                    {"id": ids(Occupancy), "resident_id": resident, "unit_id": pk,
                     "relation": relation, "move_in": (joined - dt.timedelta(days=rng.randrange(30, 3000))).date()}
                )  # fmt: skip
                residents.append((resident, name, phone))
        ctx.units.append(_Unit(pk, building_id, f"{building}-{number}", residents))

    def _policies(self) -> None:
        for ctx in self.sites:
            ctx.policies = policy_rules.policies_for_site(ctx.obj.pk)
            by_start: dict[str, list[tuple[SlaPolicy, str]]] = defaultdict(list)
            for pol in ctx.policies:
                for spec in pol.start_events or []:
                    verb, _wanted = policy_rules.parse_event(spec)
                    by_start[verb].append((pol, spec))
                ctx.policies_by_id[pol.pk] = pol
                specs = list(pol.meet_events or [])
                ctx.meet_plain[pol.pk] = frozenset(spec for spec in specs if ":" not in spec)
                ctx.meet_keyed[pol.pk] = [spec for spec in specs if ":" in spec]
                ctx.meet_json[pol.pk] = _json(specs)
                ctx.cancel_events[pol.pk] = list(pol.cancel_events or [])
                ctx.cancel_json[pol.pk] = _json(ctx.cancel_events[pol.pk])
            ctx.policies_by_start = dict(by_start)

    # -- tickets ---------------------------------------------------------------------------

    def _cells(self) -> Any:
        """How many tickets each (day, site) receives: a multinomial draw over days (weekday,
        season, two years' growth) times sites (their size)."""
        import numpy as np

        np_rng = np.random.default_rng(self.seed)
        first_day = clock.localtime(self.start).date() + dt.timedelta(days=1)
        days = [first_day + dt.timedelta(days=i) for i in range(self.days)]
        day_w = np.array(
            [
                (0.8 if d.weekday() >= 5 else 1.0)
                * (1.0 + 0.18 * math.sin((d.timetuple().tm_yday - 110) / 365 * 2 * math.pi))
                * (0.9 + 0.2 * i / max(1, self.days))
                for i, d in enumerate(days)
            ]
        )
        # today is only partly over
        local_now = clock.localtime(self.now)
        day_w[-1] *= (local_now.hour * 60 + local_now.minute + 1) / 1440
        site_w = np.array([ctx.weight for ctx in self.sites])
        p = np.outer(day_w, site_w).ravel()
        counts = np_rng.multinomial(self.n_tickets, p / p.sum()).reshape(len(days), len(self.sites))
        return days, counts

    def _tickets(self, sites: list[_Site], started: float) -> None:
        days, counts = self._cells()
        mine = {ctx.index for ctx in sites}
        hours = list(range(24))
        hour_cum = list(itertools.accumulate(HOUR_WEIGHTS))
        local_now = clock.localtime(self.now)
        batch = 0
        for day_index, day in enumerate(days):
            midnight = dt.datetime.combine(day, dt.time(0, 0), tzinfo=self.zone)
            is_today = day == local_now.date()
            arrivals: list[tuple[dt.datetime, int]] = []
            for site_index, count in enumerate(counts[day_index]):
                if site_index not in mine:
                    continue
                for _n in range(int(count)):
                    if is_today:
                        seconds = self.rng.uniform(0, (self.now - midnight).total_seconds())
                    else:
                        hour = self.rng.choices(hours, cum_weights=hour_cum)[0]
                        seconds = hour * 3600 + self.rng.uniform(0, 3600)
                    arrivals.append((midnight + dt.timedelta(seconds=seconds), site_index))
            arrivals.sort()
            day_code = day.strftime("%y%m%d")
            for received_at, site_index in arrivals:
                ctx = self.sites[site_index]
                key = f"{ctx.obj.code}:{day_code}"
                self.sequences[key] += 1
                number = f"{ctx.obj.code}{day_code}{self.sequences[key]:04d}"
                _TicketSim(self, ctx, number, received_at.astimezone(dt.UTC)).run()
                self.tickets_done += 1
                batch += 1
                if batch >= FLUSH_TICKETS:
                    self.out.flush(TICKET_TABLES)
                    batch = 0
            if day_index % 30 == 29 or day_index == len(days) - 1:
                elapsed = time.perf_counter() - started
                self.log(
                    f"[{self.part}] {day}: {self.tickets_done:,} tickets, "
                    f"{self.open_tickets:,} open ({elapsed:,.0f} s)"
                )
        self.out.flush(TICKET_TABLES)

    def _sequences(self) -> None:
        table = self.out.table(Sequence)
        for key, value in sorted(self.sequences.items()):
            table.add({"id": self.ids(Sequence), "key": key, "value": value})

    # -- duty --------------------------------------------------------------------------------

    def _duty(self, sites: list[_Site]) -> None:
        """Rosters (DT-1), one duty officer a shift, the shift's log (DT-8) with its hash chain,
        and the CS supervisor's morning sign-off (DT-11)."""
        out, ids, rng = self.out, self.ids, self.rng
        first_day = clock.localtime(self.start).date() + dt.timedelta(days=1)
        today = clock.localtime(self.now).date()
        for ctx in sites:
            site = ctx.obj
            supervisor = ctx.staff[Role.CS_SUPERVISOR][0]
            officers = ctx.staff[Role.DISPATCHER]
            calls = sorted(ctx.duty_calls)
            call_index = 0
            rosters: dict[dt.date, int] = {}
            seq, prev_hash = 0, GENESIS_HASH
            day = first_day
            open_follow_up: tuple[int, str] | None = None
            entry = DutyLogEntry()
            while day <= today:
                month = day.replace(day=1)
                if month not in rosters:
                    rosters[month] = ids(Roster)
                    published = _at(month - dt.timedelta(days=6), dt.time(16, 0), self.zone)
                    out.table(Roster).add(
                        {"id": rosters[month], "site_id": site.pk, "kind": RosterKind.CS,
                         "month": month, "state": RosterState.PUBLISHED, "version": 1,
                         "created_at": published - dt.timedelta(days=3),
                         "published_at": published, "published_by_id": supervisor}
                    )  # fmt: skip
                shift = ctx.duty.shift_of_day(day)
                if shift.start >= self.now:
                    break
                officer = officers[(day - first_day).days % len(officers)]
                author_name = self.labels[officer]
                out.table(DutyAssignment).add(
                    {"id": ids(DutyAssignment), "roster_id": rosters[month], "site_id": site.pk,
                     "kind": RosterKind.CS, "day": day, "starts_at": shift.start,
                     "ends_at": shift.end, "user_id": officer, "planned_user_id": officer}
                )  # fmt: skip
                entries: list[tuple[dt.datetime, str, str, bool, bool]] = [
                    (shift.start + dt.timedelta(minutes=2), LogEntryKind.HANDOVER,
                     "接班：清点岗位公物齐全，已阅上一班记录", False, False),
                ]  # fmt: skip
                if open_follow_up is not None:
                    entries.append(
                        (shift.start + dt.timedelta(minutes=40), LogEntryKind.CLOSURE,
                         f"已办结：{open_follow_up[1]}", False, False)
                    )  # fmt: skip
                hours = (shift.end - shift.start).total_seconds() / 3600
                for _n in range(max(1, int(hours / 5))):
                    at = shift.start + dt.timedelta(hours=rng.uniform(0.5, hours - 0.5))
                    entries.append(
                        (
                            at,
                            LogEntryKind.PATROL,
                            rng.choice(DUTY_TEXTS[LogEntryKind.PATROL]),
                            False,
                            False,
                        )
                    )
                while call_index < len(calls) and calls[call_index][0] < shift.end:
                    at, text = calls[call_index]
                    call_index += 1
                    if at >= shift.start:
                        entries.append(
                            (at + dt.timedelta(minutes=3), LogEntryKind.CALL, text, False, False)
                        )
                if rng.random() < 0.15:
                    at = shift.start + dt.timedelta(hours=rng.uniform(1, hours - 1))
                    text = rng.choice(DUTY_TEXTS[LogEntryKind.EVENT])
                    entries.append((at, LogEntryKind.EVENT, text, rng.random() < 0.3, True))
                entries.sort()
                through = seq
                for at, kind, text, important, follow_up in entries:
                    if at > self.now:
                        break
                    closes = None
                    if kind == LogEntryKind.CLOSURE and open_follow_up is not None:
                        closes, open_follow_up = open_follow_up, None
                    seq += 1
                    entry_id = ids(DutyLogEntry)
                    values: dict[str, Any] = {
                        "id": entry_id,
                        "site_id": site.pk,
                        "seq": seq,
                        "kind": kind,
                        "occurred_at": at - dt.timedelta(minutes=1),
                        "recorded_at": at,
                        "author_id": officer,
                        "author_name": author_name,
                        "text": text,
                        "important": important,
                        "follow_up": follow_up,
                        "reason": "",
                        "corrects_id": None,
                        "closes_id": closes[0] if closes else None,
                        "retention_until": _retention_date(at, self.zone),
                        "prev_hash": prev_hash,
                    }
                    # the model's own content(), on one reused instance (no __init__ per row)
                    entry.__dict__.update(values)
                    values["hash"] = prev_hash = compute_hash(entry.content(), prev_hash)
                    out.table(DutyLogEntry).add(values)
                    if follow_up:
                        open_follow_up = (entry_id, text)
                signed_at = _at(shift.end.astimezone(self.zone).date(), dt.time(9, 10), self.zone)
                if (
                    seq > through
                    and signed_at <= self.now
                    and ctx.calendars["working"].is_working_day(
                        signed_at.astimezone(self.zone).date()
                    )
                ):
                    out.table(LogSignoff).add(
                        {"id": ids(LogSignoff), "site_id": site.pk, "day": day,
                         "period_start": shift.start, "period_end": shift.end,
                         "through_seq": seq, "entry_count": seq - through,
                         "signed_by_id": supervisor, "signed_at": signed_at, "comment": "已阅"}
                    )  # fmt: skip
                day += dt.timedelta(days=1)
            out.table(DutyLogChain).add(
                {
                    "id": ids(DutyLogChain),
                    "site_id": site.pk,
                    "last_seq": seq,
                    "last_hash": prev_hash,
                }
            )
            ctx.duty_calls = []
            out.flush(DUTY_TABLES)


def _at(day: dt.date, at: dt.time, zone: Any) -> dt.datetime:
    return dt.datetime.combine(day, at, tzinfo=zone)


def _retention_date(recorded_at: dt.datetime, zone: Any) -> dt.date:
    """RT-2: kept 3 years from the local date it was written (as the duty services store it)."""
    local = recorded_at.astimezone(zone).date()
    try:
        return local.replace(year=local.year + LOG_RETENTION_YEARS)
    except ValueError:  # 29 February
        return local.replace(year=local.year + LOG_RETENTION_YEARS, day=28)


EVENT_COLUMNS = (
    "id",
    "occurred_at",
    "site_id",
    "actor_id",
    "actor_label",
    "verb",
    "subject_type",
    "subject_id",
    "before",
    "after",
    "data",
)
CLOCK_COLUMNS = (
    "id",
    "ticket_id",
    "site_id",
    "kind",
    "rule",
    "policy_id",
    "policy_version",
    "meet_events",
    "cancel_events",
    "pausable",
    "started_at",
    "due_at",
    "warn_at",
    "warned_at",
    "breached_at",
    "met_at",
    "met_by_id",
    "met_event",
    "paused_at",
    "paused_seconds",
    "cancelled_at",
    "next_action_at",
    "next_level",
)
TICKET_TABLES: list[type[models.Model]] = [
    Ticket,
    Consultation,
    PaidService,
    Complaint,
    ReturnVisit,
    Referral,
    ServiceSlip,
    Note,
    FollowUp,
    CallLog,
    Callback,
    Clock,
    ClockAction,
    ClockException,
    Event,
]
DUTY_TABLES: list[type[models.Model]] = [
    Roster,
    DutyAssignment,
    DutyLogEntry,
    LogSignoff,
    DutyLogChain,
]
# what the parts write (each with its own primary keys)
PART_TABLES: list[type[models.Model]] = [*TICKET_TABLES, *DUTY_TABLES, Sequence]


# --- one ticket ---------------------------------------------------------------------------------


class _Stop(Exception):
    """The next step of the ticket would happen after ``now``: the ticket stays as it is."""


class _SimClock:
    """A clock being simulated; attribute names as ``sla.Clock`` so ``policy.next_pending``
    reads it."""

    __slots__ = (
        "breached_at",
        "cancelled_at",
        "due_at",
        "escalations",
        "kind",
        "met_at",
        "met_by",
        "met_event",
        "next_action_at",
        "next_level",
        "paused_at",
        "paused_seconds",
        "pk",
        "policy",
        "policy_id",
        "started_at",
        "warn_at",
        "warned_at",
    )

    def __init__(
        self, pk: int, pol: SlaPolicy, start: dt.datetime, due: dt.datetime, warn: Any
    ) -> None:
        self.pk = pk
        self.policy = pol
        self.policy_id: int = pol.pk
        self.kind = pol.clock_kind
        self.escalations = list(pol.escalations or [])
        self.started_at = start
        self.due_at = due
        self.warn_at = warn
        self.warned_at: dt.datetime | None = None
        self.breached_at: dt.datetime | None = None
        self.met_at: dt.datetime | None = None
        self.met_by: int | None = None
        self.met_event = ""
        self.paused_at: dt.datetime | None = None
        self.paused_seconds = 0
        self.cancelled_at: dt.datetime | None = None
        level, when = policy_rules.next_pending(cast(Clock, self), self.escalations, 0)
        self.next_level = level
        self.next_action_at = when

    @property
    def running(self) -> bool:
        return self.met_at is None and self.cancelled_at is None


PAUSE_EVENT = "ticket.wait_resident"
CANCEL_EVENTS = frozenset({"ticket.cancel", "ticket.close"})


def _resumes(event: str) -> bool:
    """As the SLA engine: a workflow event whose target state is not paused ends a wait."""
    if not event.startswith("ticket."):
        return False
    transition = workflow.find(event.removeprefix("ticket."))
    if transition is None or transition.target is None:
        return False
    return STATE_GROUP[transition.target] != StateGroup.PAUSED


class _TicketSim:
    """One ticket from receipt to wherever it is at ``now``: its row, child rows, audit
    events and clocks."""

    def __init__(self, gen: Generator, ctx: _Site, number: str, received_at: dt.datetime) -> None:
        self.g = gen
        self.ctx = ctx
        self.rng = gen.rng
        self.pk = gen.ids(Ticket)
        self.number = number
        self.received_at = received_at
        self.t = received_at
        self.clocks: list[_SimClock] = []
        self.row: dict[str, Any] = {}
        self.complaint: Complaint | None = None
        self.complaint_row: dict[str, Any] | None = None
        self.consultation: dict[str, Any] | None = None
        self.paid: dict[str, Any] | None = None
        self.calllog: dict[str, Any] | None = None
        self.slips = 0

    # -- time --------------------------------------------------------------------------------

    def after(self, seconds: float) -> dt.datetime:
        """The next step ``seconds`` after the last one; stop if it falls after now."""
        at = self.t + dt.timedelta(seconds=max(1.0, seconds))
        if at > self.g.now:
            raise _Stop()
        self.t = at
        return at

    # -- the ticket's row and its events -------------------------------------------------

    def snapshot(self) -> str:
        """The ticket's audit snapshot (as ``tickets.services._snapshot``), as JSON text."""
        r = self.row
        return _snapshot_json(
            r["state"],
            r["version"],
            r["department_id"],
            r["assignee_id"],
            r["urgency"],
            r["is_complex"],
            r["repair_class"],
        )

    def event(
        self,
        verb: str,
        at: dt.datetime,
        actor: int | None,
        *,
        data: dict[str, Any] | None = None,
        before: str | dict[str, Any] | None = None,
        after: str | dict[str, Any] | None = None,
        subject: tuple[str, int] | None = None,
        label: str = "",
    ) -> None:
        subject_type, subject_id = subject or ("tickets.ticket", self.pk)
        if not label:
            label = self.g.labels.get(actor, "系统") if actor else "系统"
        self.g.out.table(Event).expect(EVENT_COLUMNS).append(
            (
                self.g.ids(Event),
                at,
                self.ctx.site_id,
                actor,
                label,
                verb,
                subject_type,
                subject_id,
                before or {},
                after or {},
                data or {},
            )
        )

    def transition(
        self,
        action: str,
        actor: int,
        at: dt.datetime,
        data: dict[str, Any],
        changes: dict[str, Any] | None = None,
    ) -> None:
        """As ``tickets.services.ticket_transition``: compare-and-set, event, clocks."""
        target = workflow.BY_ACTION[action].target
        before = self.snapshot()
        row = self.row
        row.update(changes or {})
        if target is not None:
            row["state"] = target
        row["version"] += 1
        row["updated_at"] = at
        verb = f"ticket.{action}"
        self.event(verb, at, actor, data=data, before=before, after=self.snapshot())
        self.on_clocks(verb, at, actor, data)

    # -- clocks (as sla.services.clocks_on_event, plus the sweep) ----------------------------

    def sweep_until(self, until: dt.datetime) -> None:
        """What the sweep (every 30 s) did to this ticket's clocks before ``until``."""
        for item in self.clocks:
            if item.next_action_at is None or item.next_action_at > until:
                continue
            level = item.next_level
            when: dt.datetime | None = item.next_action_at
            while True:
                level, when = policy_rules.next_pending(cast(Clock, item), item.escalations, level)
                if when is None or when > until:
                    break
                acted = min(when + dt.timedelta(seconds=self.rng.uniform(1, SWEEP_LAG)), until)
                if not (level == LEVEL_WARN and item.due_at <= acted):
                    self.act(item, level, acted)
                level += 1
            item.next_level, item.next_action_at = level, when

    def act(self, item: _SimClock, level: int, at: dt.datetime) -> None:
        g = self.g
        pol = item.policy
        if level == LEVEL_WARN:
            item.warned_at = at
            verb, notify = "clock.warned", list(pol.warn_notify or [])
        elif level == LEVEL_BREACH:
            item.breached_at = item.due_at
            verb, notify = "clock.breached", list(pol.breach_notify or [])
            if pol.breach_exception:
                g.out.table(ClockException).add(
                    {
                        "id": g.ids(ClockException),
                        "clock_id": item.pk,
                        "ticket_id": self.pk,
                        "site_id": self.ctx.site_id,
                        "rule": pol.rule,
                        "kind": pol.clock_kind,
                        "due_at": item.due_at,
                        "recorded_at": at,
                        "summary": f"{self.number} {pol.name} 超时"[:300],
                    }
                )
        else:
            steps = item.escalations
            index = level - FIRST_ESCALATION_LEVEL
            step = steps[index] if 0 <= index < len(steps) else {}
            verb, notify = "clock.escalated", list(step.get("notify", []))
        g.out.table(ClockAction).add(
            {"id": g.ids(ClockAction), "clock_id": item.pk, "level": level, "acted_at": at,
             "sweep_token": "benchdata"}
        )  # fmt: skip
        self.event(
            verb,
            at,
            None,
            data={
                "clock_id": item.pk,
                "rule": pol.rule,
                "kind": pol.clock_kind,
                "level": level,
                "due_at": item.due_at,
                "notified": sorted(notify),
                "notified_users": [],
            },
        )

    def on_clocks(
        self, event: str, at: dt.datetime, actor: int | None, data: dict[str, Any]
    ) -> None:
        self.sweep_until(at)
        running = [c for c in self.clocks if c.running]
        still: list[_SimClock] = []
        meet_plain, meet_keyed = self.ctx.meet_plain, self.ctx.meet_keyed
        cancels = self.ctx.cancel_events
        for item in running:
            pk = item.policy_id
            if event in meet_plain[pk] or (
                meet_keyed[pk] and policy_rules.event_matches_any(meet_keyed[pk], event, data)
            ):
                item.met_at, item.met_by, item.met_event = at, actor, event[:80]
                self.stop(item, at)
            elif cancels[pk] and policy_rules.event_matches_any(cancels[pk], event, data):
                # superseded by another commitment (CP-3 upgrade, CP-7 extension)
                item.cancelled_at = at
                self.stop(item, at)
            else:
                still.append(item)
        if event == PAUSE_EVENT:
            for item in still:
                if item.policy.pausable and item.paused_at is None and item.breached_at is None:
                    item.paused_at = at
                    item.next_action_at = None
        elif _resumes(event):
            for item in still:
                if item.paused_at is None:
                    continue
                waited = max(dt.timedelta(0), at - item.paused_at)
                item.paused_seconds += int(waited.total_seconds())
                item.due_at += waited
                if item.warn_at is not None:
                    item.warn_at += waited
                item.paused_at = None
                level, when = policy_rules.next_pending(
                    cast(Clock, item), item.escalations, item.next_level
                )
                item.next_level, item.next_action_at = level, when
        if event in CANCEL_EVENTS:
            for item in still:
                item.cancelled_at = at
                self.stop(item, at)
            return
        kinds = {item.kind for item in still}
        for pol, spec in self.ctx.policies_by_start.get(event, ()):
            if pol.clock_kind in kinds:
                continue
            if ":" in spec and not policy_rules.event_matches(spec, event, data):
                continue
            if not policy_rules.conditions_match(pol.conditions, self.facts, data):
                continue
            self.clock_start(pol, at, data)
            kinds.add(pol.clock_kind)

    @staticmethod
    def stop(item: _SimClock, at: dt.datetime) -> None:
        """A met or cancelled clock leaves the sweep's list; a paused one counts its wait."""
        item.next_action_at = None
        if item.paused_at is not None:
            item.paused_seconds += max(0, int((at - item.paused_at).total_seconds()))
            item.paused_at = None

    def clock_start(self, pol: SlaPolicy, at: dt.datetime, data: dict[str, Any]) -> None:
        """As ``sla.services.clock_start``: the outside unit's hours for CV-2 Q, the time the
        event gives for ``event_time`` policies (CP-5 reasonable deadline, CP-7 extension)."""
        start = self.received_at if pol.anchor == Anchor.RECEIVED else at
        hours: int | None = None
        if pol.deadline_rule == DeadlineRule.EXTERNAL_COMMITTED:
            given: Any = data.get("committed_hours")
            if given not in (None, ""):
                try:
                    hours = int(given) or None
                except (TypeError, ValueError):
                    hours = None
            if hours is None and data.get("external_party_id"):
                hours = next(
                    (h for pk, h, _n in self.ctx.parties if pk == data["external_party_id"]),
                    None,
                )
        given_due = (
            policy_rules.event_due_at(data, pol.due_at_key)
            if pol.deadline_rule == DeadlineRule.EVENT_TIME
            else None
        )
        due, warn = policy_rules.deadline(
            pol,
            calendar=self.ctx.calendars[pol.calendar],
            site=self.ctx.obj,
            start=start,
            committed_hours=hours,
            given_due=given_due,
        )
        self.clocks.append(_SimClock(self.g.ids(Clock), pol, start, due, warn))

    def running_due(self, kind: str) -> dt.datetime | None:
        for item in self.clocks:
            if item.kind == kind and item.running and item.paused_at is None:
                return item.due_at
        return None

    # -- actors ------------------------------------------------------------------------------

    def desk(self, at: dt.datetime) -> int:
        """Who is at the CS desk at ``at``: the duty officer after hours, else any of it."""
        staff = self.ctx.staff
        shift = self.g.shift_at(self.ctx, at)
        if shift is not None:
            day = shift.start.astimezone(self.g.zone).date()
            officers = staff[Role.DISPATCHER]
            return officers[(day - self.g.first_day).days % len(officers)]
        return self.rng.choice(self.ctx.desk_staff)

    def dispatcher(self) -> int:
        return self.rng.choice(self.ctx.staff[Role.DISPATCHER])

    def supervisor(self) -> int:
        return self.ctx.staff[Role.CS_SUPERVISOR][0]

    # -- the run -------------------------------------------------------------------------------

    def run(self) -> None:
        g, rng, ctx = self.g, self.rng, self.ctx
        kind = g.pick(g.kind_values, g.kind_cum)
        if kind in SPECIAL_KINDS:
            channel = g.pick(g.special_channels, g.special_cum)
        else:
            channel = g.pick(g.channel_values, g.channel_cum)
            if channel == Channel.ONLINE and kind not in RESIDENT_ONLINE_KINDS:
                channel = Channel.HOTLINE
        text, dept_kind, severity = rng.choice(g.texts[kind])
        if dept_kind not in ctx.departments:
            dept_kind = DepartmentKind.CUSTOMER_SERVICE
        self.dept_kind = dept_kind
        unit: _Unit | None = None
        place: tuple[int, str] | None = None
        if kind in SPECIAL_KINDS or rng.random() < 0.28:
            place = rng.choice(ctx.places)
        else:
            unit = rng.choice(ctx.units)
        resident = None
        if unit is not None and unit.residents:
            resident = rng.choice(unit.residents)
        elif channel != Channel.INTERNAL and rng.random() < 0.5:
            occupied = rng.choice(ctx.units)
            if occupied.residents:
                resident = occupied.residents[0]
        received = self.received_at
        if channel in {Channel.WRITTEN, Channel.LETTER}:
            created = received + dt.timedelta(minutes=rng.uniform(20, 600))
        elif channel == Channel.ONLINE:
            created = received
        else:
            created = received + dt.timedelta(seconds=rng.uniform(30, 240))
        created = min(created, g.now)
        receiver = None if channel == Channel.ONLINE else self.desk(received)
        if channel == Channel.INTERNAL:
            reporter = g.labels[rng.choice(ctx.workers[dept_kind])]
            phone = ""
        elif resident is not None:
            reporter, phone = resident[1], resident[2]
        else:
            reporter, phone = g.name(), g.phone()
        urgency = Urgency.URGENT if kind in SPECIAL_KINDS or rng.random() < 0.08 else Urgency.NORMAL
        is_complex = kind in {K.REPAIR, K.OTHER_HELP} and rng.random() < 0.06
        location = unit.label if unit else (place[1] if place else "")
        self.row = row = {
            "id": self.pk,
            "site_id": ctx.obj.pk,
            "number": self.number,
            "kind": kind,
            "channel": channel,
            "state": S.RECEIVED,
            "version": 1,
            "urgency": urgency,
            "is_complex": is_complex,
            "confidential": False,
            "description": text,
            "unit_id": unit.pk if unit else None,
            "place_id": place[0] if place else None,
            "occurred_at": received - dt.timedelta(minutes=rng.uniform(5, 240))
            if kind in SPECIAL_KINDS or rng.random() < 0.3
            else None,
            "resident_id": resident[0] if resident else None,
            "reporter_name": reporter,
            "reporter_phone": phone,
            "receiver_id": receiver,
            "received_at": received,
            "created_at": created,
            "updated_at": created,
            "department_id": None,
            "assignee_id": None,
            "repair_class": RepairClass.NORMAL if kind == K.REPAIR else "",
        }
        # what SLA policy conditions read off the ticket (sla.policy.conditions_match)
        self.facts = SimpleNamespace(
            kind=kind, channel=channel, urgency=urgency, repair_class=row["repair_class"],
            is_complex=is_complex, received_at=received,
        )  # fmt: skip
        self.t = created
        self.event(
            "ticket.created",
            created,
            receiver,
            label="" if receiver else reporter,
            data={
                "kind": kind,
                "channel": channel,
                "urgency": urgency,
                "is_complex": is_complex,
                "number": self.number,
                "location": location,
                "attachments": 0,
                "received_at": received.isoformat(),
            },
            after=self.snapshot(),
        )
        self.on_clocks(
            "ticket.created",
            received,
            receiver,
            {"kind": kind, "channel": channel, "urgency": urgency, "is_complex": is_complex},
        )
        if kind == K.CONSULTATION:
            written = channel in {Channel.WRITTEN, Channel.LETTER}
            self.consultation = {
                "id": g.ids(Consultation),
                "ticket_id": self.pk,
                "mode": ConsultationMode.WRITTEN if written else ConsultationMode.ORAL,
            }
            if written:
                self.event("consultation.written_registered", created, receiver)
                self.on_clocks("consultation.written_registered", received, receiver, {})
        if channel in {Channel.HOTLINE, Channel.VISIT} and receiver is not None:
            self.calllog = {
                "id": g.ids(CallLog),
                "site_id": ctx.obj.pk,
                "kind": CallKind.CALL if channel == Channel.HOTLINE else CallKind.VISIT,
                "occurred_at": received,
                "caller_name": reporter[:50],
                "caller_phone": phone,
                "unit_id": unit.pk if unit else None,
                "summary": text,
                "ticket_id": self.pk,
                "ticket_link": CallLink.CREATED,
                "received_by_id": receiver,
                "created_at": created,
            }
            if g.shift_at(ctx, received) is not None:
                ctx.duty_calls.append((received, f"来电：{location} {text[:40]}（{self.number}）"))
        try:
            if kind == K.COMPLAINT:
                self.complaint_flow(severity, receiver or self.desk(created))
            elif kind == K.CONSULTATION or (kind == K.OTHER_HELP and rng.random() < 0.6):
                self.answer_flow(receiver or self.desk(created))
            else:
                self.work_flow(receiver or self.desk(created))
        except _Stop:
            pass
        self.finish()

    # -- flows -------------------------------------------------------------------------------

    def cancelled(self, actor: int, probability: float) -> bool:
        """RQ-7 / CancelKind: a duplicate, a mistake, a withdrawal (a supervisor cancels)."""
        if self.rng.random() >= probability:
            return False
        at = self.after(self.lognormal(3600))
        kind = self.rng.choice([CancelKind.DUPLICATE, CancelKind.MISTAKEN, CancelKind.WITHDRAWN])
        reason = {"duplicate": "重复登记", "mistaken": "误报", "withdrawn": "住户已自行解决"}[kind]
        self.transition(
            "cancel",
            self.supervisor(),
            at,
            {"kind": kind, "reason": reason},
            {"cancel_kind": kind, "cancel_reason": reason},
        )
        return True

    def lognormal(self, median: float, sigma: float = 0.8) -> float:
        return self.g.lognormal(median, sigma)

    def answer_flow(self, desk: int) -> None:
        """RQ-5 / RQ-8: answered at once, after asking the supervisor, or in writing."""
        rng = self.rng
        if self.cancelled(desk, 0.02):
            return
        consultation = self.consultation
        answer = rng.choice(ANSWERS)
        if consultation is not None and consultation["mode"] == ConsultationMode.WRITTEN:
            at = self.after(self.lognormal(20 * 3600))
            consultation.update(reply_draft=answer, reply_drafted_by_id=desk, reply_drafted_at=at)
            self.event("consultation.reply_drafted", at, desk, data={"text": answer})
            self.on_clocks("consultation.reply_drafted", at, desk, {})
            at = self.after(self.lognormal(5 * 3600))
            supervisor = self.supervisor()
            consultation.update(reply_approved_by_id=supervisor, reply_approved_at=at)
            self.event("consultation.reply_approved", at, supervisor)
            self.on_clocks("consultation.reply_approved", at, supervisor, {})
        elif consultation is not None and rng.random() < 0.25:
            at = self.after(self.lognormal(120))
            question = "住户咨询的问题需主管答复"
            consultation.update(escalated_at=at, escalated_by_id=desk, escalation_question=question)
            self.event(
                "consultation.escalated", at, desk, data={"question": question, "mode": "oral"}
            )
            self.on_clocks("consultation.escalated", at, desk, {"mode": "oral"})
            at = self.after(self.lognormal(200, 1.0))
            supervisor = self.supervisor()
            consultation.update(
                supervisor_answer=answer, supervisor_answered_at=at, supervisor_id=supervisor
            )
            self.event("consultation.answered", at, supervisor, data={"answer": answer})
            self.on_clocks("consultation.answered", at, supervisor, {})
        at = self.after(self.lognormal(300, 1.0))
        self.transition(
            "answer", desk, at, {"answer": answer, "confidential": False}, {"resolved_at": at}
        )
        if consultation is not None:
            consultation.update(answer=answer, answered_at=at, answered_by_id=desk)
        else:
            self.consultation = {
                "id": self.g.ids(Consultation), "ticket_id": self.pk, "mode": ConsultationMode.ORAL,
                "answer": answer, "answered_at": at, "answered_by_id": desk,
            }  # fmt: skip
        if self.calllog is not None:
            self.calllog["answer"] = answer
            self.calllog_done(at, desk)
        self.close_and_rate(at)

    def work_flow(self, desk: int) -> None:
        """RQ-4 dispatch, DS-3/DS-4 follow-ups, the work (with waits on the resident and
        referrals to outside units), completion with its service slip (DS-5), close, rating."""
        rng, g, ctx, row = self.rng, self.g, self.ctx, self.row
        kind = row["kind"]
        special = kind in SPECIAL_KINDS
        if self.cancelled(desk, 0.03):
            return
        if kind == K.PAID_SERVICE:
            price_id, price_name, price = rng.choice(ctx.prices)
            quantity = Decimal(rng.choice([1, 1, 1, 2]))
            at = self.after(self.lognormal(1800))
            self.paid = {
                "id": g.ids(PaidService), "ticket_id": self.pk, "price_item_id": price_id,
                "quantity": quantity, "quoted_amount": price * quantity, "quoted_at": at,
                "quoted_by_id": desk,
            }  # fmt: skip
            self.event(
                "paid.quoted", at, desk, data={"item": price_name, "amount": str(price * quantity)}
            )
            if rng.random() < 0.08:
                self.cancelled(self.supervisor(), 1.0)
                return
            at = self.after(self.lognormal(3600, 1.0))
            self.paid.update(confirmed_at=at, confirmed_via="staff", confirmed_by_id=desk)
            self.event("paid.confirmed", at, desk)
        department_id, department_name = ctx.departments[self.dept_kind]
        workers = ctx.workers[self.dept_kind]
        assignee = rng.choice(workers)
        at = self.after(self.lognormal(120 if special else 900, 1.0))
        dispatcher = self.desk(at)
        self.transition(
            "dispatch",
            dispatcher,
            at,
            {"department_id": department_id, "department": department_name,
             "assignee_id": assignee, "assignee": g.labels[assignee], "note": ""},
            {"department_id": department_id, "assignee_id": assignee},
        )  # fmt: skip
        dispatched = at
        # the work itself, decided now so the follow-ups can come before or after it:
        # most the same day, some over days (parts, appointments), a few for weeks
        start_delay = self.lognormal(600 if special else 2400, 0.9)
        roll = rng.random()
        if special or roll < 0.62:
            work = self.lognormal(1800 if special else 3 * 3600, 1.0)
        elif roll < 0.92:
            work = self.lognormal(2 * 86400, 0.8)
        else:
            work = self.lognormal(8 * 86400, 0.8)
        referral = ""
        if kind == K.REPAIR:
            roll = rng.random()
            if roll < 0.05:
                referral = ReferralKind.OUTSIDE  # CV-2 Q
            elif roll < 0.07:
                referral = ReferralKind.WARRANTY  # CV-2 Z
            elif roll < 0.085:
                referral = ReferralKind.COORDINATION  # CV-2 GT
        waits = rng.random() < 0.07
        if self.row["is_complex"]:
            work *= 4
        completes = dispatched + dt.timedelta(seconds=start_delay + work)
        self.follow_ups(dispatched, completes)
        at = self.after(
            max(1.0, (dispatched + dt.timedelta(seconds=start_delay) - self.t).total_seconds())
        )
        self.transition("start", assignee, at, {"assignee": g.labels[assignee]})
        if self.row["is_complex"] and rng.random() < 0.85:
            body = "解决方案：需与相关方协调，预计一周内完成"
            at = self.after(self.lognormal(20 * 3600))
            self.note(at, assignee, body, public=True, solution=True)
        if rng.random() < 0.3:
            at = self.after(self.lognormal(work / 3))
            self.note(at, assignee, rng.choice(NOTE_TEXTS), public=rng.random() < 0.5)
        if waits:
            at = self.after(self.lognormal(work / 3))
            self.transition("wait_resident", assignee, at, {"reason": "住户不在家，约定改日上门"})
            at = self.after(self.lognormal(30 * 3600, 1.0))
            self.transition("resume", assignee, at, {"note": "已与住户约好时间"})
        if referral:
            completes = self.refer(referral, desk, work, completes)
        at = self.after(max(60.0, (completes - self.t).total_seconds()))
        self.complete(at, assignee, rng.choice(WORK_DONE))
        if rng.random() < 0.02:
            at = self.after(self.lognormal(86400))
            self.transition(
                "reopen", desk, at, {"reason": "住户反映问题仍未解决", "by_resident": False},
                {"resolved_at": None, "reopened_count": self.row.get("reopened_count", 0) + 1},
            )  # fmt: skip
            at = self.after(self.lognormal(work))
            self.complete(at, assignee, "返工处理完毕")
        self.close_and_rate(at)

    def refer(self, kind: str, desk: int, work: float, completes: dt.datetime) -> dt.datetime:
        """CV-2 / RQ-7: Q to an outside unit (its committed hours start a clock), Z to the
        developer's warranty engineer, GT long coordination (a complex problem). Returns when
        the work completes, after the referral's report."""
        rng, g, ctx = self.rng, self.g, self.ctx
        vendors = [p for p in ctx.parties if p[2] not in {VENDORS[5][1], VENDORS[6][1]}]
        builders = [p for p in ctx.parties if p[2] in {VENDORS[5][1], VENDORS[6][1]}]
        at = self.after(self.lognormal(max(work / 4, 600.0)))
        ref_id = g.ids(Referral)
        party: tuple[int, int, str] | None = None
        engineer = ""
        if kind == ReferralKind.OUTSIDE:
            party = rng.choice(vendors)
            note, days = "已联系外部单位上门", None
        elif kind == ReferralKind.WARRANTY:
            party = rng.choice(builders)
            engineer = g.name()
            note, days = "保修期内，已通知开发商保修工程师", 10.0
        else:
            note, days = "需协调楼上住户及相关部门，预计超过 2 天", 14.0
        hours = party[1] if party else None
        committed = at + dt.timedelta(hours=hours) if hours else None
        data = {
            "referral_kind": kind,
            "external_party_id": party[0] if party else None,
            "party": party[2] if party else "业主及相关部门",
            "engineer": engineer,
            "committed_due_at": committed.isoformat() if committed else None,
            "committed_hours": hours,
            "note": note,
            "referral_id": ref_id,
        }
        row = {
            "id": ref_id,
            "ticket_id": self.pk,
            "kind": kind,
            "external_party_id": party[0] if party else None,
            "referred_to": "" if party else "业主及相关部门",
            "engineer": engineer,
            "note": note,
            "committed_due_at": committed,
            "created_by_id": desk,
            "created_at": at,
        }
        repair_class = REFERRAL_REPAIR_CLASS.get(kind, "")
        changes: dict[str, Any] = {"repair_class": repair_class}
        self.row["repair_class"] = self.facts.repair_class = repair_class
        if kind == ReferralKind.COORDINATION:
            changes["is_complex"] = self.facts.is_complex = True
        self.transition("refer", desk, at, data, changes)
        try:
            if days is None:
                assert hours is not None
                # stuck with the outside unit: a few stay open for months
                stuck = rng.random() < 0.04
                wait = hours * 3600 * (rng.uniform(3, 60) if stuck else rng.uniform(0.2, 1.3))
            else:
                wait = self.lognormal(days * 86400, 0.7)
            at = self.after(wait)
            report = "外部单位已上门处理" if party else "已协调完毕"
            row.update(reported_at=at, report=report, reported_by_id=desk)
            self.event(
                "referral.reported", at, desk, data={"referral_id": ref_id, "report": report}
            )
            self.on_clocks("referral.reported", at, desk, {"referral_id": ref_id})
        finally:
            g.out.table(Referral).add(row)
        return max(completes, at + dt.timedelta(seconds=self.lognormal(3 * 3600)))

    def follow_ups(self, dispatched: dt.datetime, completes: dt.datetime) -> None:
        """DS-3 two hours after dispatch, DS-4 before the end of the working day - each only
        while the work is not finished (finishing meets those clocks)."""
        rng = self.rng
        plans: list[tuple[dt.datetime, str]] = []
        first = dispatched + dt.timedelta(
            minutes=rng.uniform(50, 118) if rng.random() < 0.85 else rng.uniform(125, 400)
        )
        plans.append((first, "ds3"))
        due = self.running_due("followup_second")
        if due is not None and rng.random() < 0.9:
            second = due - dt.timedelta(minutes=rng.uniform(5, 90))
            if rng.random() < 0.15:
                second = due + dt.timedelta(minutes=rng.uniform(10, 240))
            plans.append((max(second, first + dt.timedelta(minutes=5)), "ds4"))
        for at, which in plans:
            if at >= completes or at > self.g.now:
                continue
            self.t = max(self.t, at)
            actor = self.desk(at)
            arranged = rng.random() < 0.9
            note = "已安排师傅处理" if arranged else "尚未安排，已催促部门"
            followup_id = self.g.ids(FollowUp)
            self.g.out.table(FollowUp).add(
                {"id": followup_id, "ticket_id": self.pk, "site_id": self.ctx.site_id,
                 "which": which, "arranged": arranged, "note": note,
                 "recorded_by_id": actor, "recorded_at": self.t}
            )  # fmt: skip
            self.event(
                "followup.recorded",
                self.t,
                actor,
                data={
                    "followup_id": followup_id,
                    "which": which,
                    "arranged": arranged,
                    "note": note,
                },
            )
            self.on_clocks(
                "followup.recorded", self.t, actor, {"which": which, "arranged": arranged}
            )

    def note(
        self, at: dt.datetime, author: int, body: str, *, public: bool, solution: bool = False
    ) -> None:
        note_id = self.g.ids(Note)
        self.g.out.table(Note).add(
            {"id": note_id, "ticket_id": self.pk, "author_id": author,
             "author_label": self.g.labels[author], "body": body, "is_public": public,
             "is_solution": solution, "created_at": at}
        )  # fmt: skip
        verb = (
            "ticket.solution_proposed"
            if solution
            else ("ticket.note_public" if public else "ticket.note_internal")
        )
        self.event(verb, at, author, data={"note_id": note_id, "body": body, "public": public})
        self.on_clocks(verb, at, author, {"note_id": note_id})

    def complete(self, at: dt.datetime, worker: int, work_done: str) -> None:
        """DS-5: completion writes the service slip the dispatcher signs at close."""
        self.slips += 1
        charge = None
        if self.paid is not None:
            charge = self.paid["quoted_amount"]
            self.paid.update(charge_amount=charge, charged_at=at, charged_by_id=worker)
        slip_number = f"{self.number}-{self.slips}"
        self.slip = {
            "id": self.g.ids(ServiceSlip), "ticket_id": self.pk, "number": slip_number,
            "work_done": work_done, "materials": "", "charge_amount": charge,
            "worker_id": worker, "reported_at": at,
        }  # fmt: skip
        self.transition(
            "complete",
            worker,
            at,
            {"photos": 0, "note": work_done, "materials": "",
             "charge": str(charge) if charge is not None else None, "slip": slip_number},
            {"resolved_at": at},
        )  # fmt: skip
        self.g.out.table(ServiceSlip).add(self.slip)

    def calllog_done(self, at: dt.datetime, actor: int) -> None:
        """CV-3: the log entry is marked done, signed and numbered per site and year."""
        entry = self.calllog
        if entry is None:
            return
        year = at.astimezone(self.g.zone).strftime("%y")
        key = f"{self.ctx.obj.code}:CV:{year}"
        self.g.sequences[key] += 1
        number = f"{self.ctx.obj.code}-CV{year}-{self.g.sequences[key]:05d}"
        entry.update(done_at=at, done_by_id=actor, done_number=number)
        self.event(
            "calllog.done",
            at,
            actor,
            data={"number": number},
            subject=("tickets.calllog", entry["id"]),
        )

    def close_and_rate(self, done_at: dt.datetime) -> None:
        """DS-5 close by the dispatcher (signing the slip), RQ-10 rating, call-back for 1-2."""
        rng = self.rng
        rated = self.row["channel"] != Channel.INTERNAL and rng.random() < 0.55
        rate_first = rated and rng.random() < 0.4
        if rate_first:
            self.rate()
        at = self.after(self.lognormal(6 * 3600, 1.2))
        dispatcher = self.desk(at)
        slip = getattr(self, "slip", None)
        data: dict[str, Any] = {"note": ""}
        if slip is not None:
            slip.update(confirmed_by_id=dispatcher, confirmed_at=at)
            data["slip"] = slip["number"]
        self.transition("close", dispatcher, at, data, {"closed_at": at})
        if self.calllog is not None and self.calllog.get("done_at") is None:
            self.calllog_done(at, dispatcher)
        if rated and not rate_first:
            self.rate()

    def rate(self) -> None:
        g = self.g
        at = self.after(self.lognormal(8 * 3600, 1.2))
        value = g.pick(g.rating_values, g.rating_cum)
        comment = {5: "很满意", 4: "不错", 3: "一般", 2: "处理太慢", 1: "问题没解决"}[value]
        self.row.update(rating=value, rating_comment=comment, rated_at=at)
        self.row["version"] += 1
        self.row["updated_at"] = at
        # online: the resident rates in the portal (no staff actor); else the desk records it
        online = self.row["channel"] == Channel.ONLINE
        actor = None if online else self.desk(at)
        label = self.row["reporter_name"] if online else ""
        self.event(
            "ticket.rated", at, actor, data={"rating": value, "comment": comment}, label=label
        )
        self.on_clocks("ticket.rated", at, actor, {"rating": value})
        if value <= 2:
            callback_id = g.ids(Callback)
            row = {
                "id": callback_id, "site_id": self.ctx.site_id, "ticket_id": self.pk,
                "reason": f"住户评价 {value} 星：{comment}", "created_at": at,
                "due_at": at + dt.timedelta(hours=24),
            }  # fmt: skip
            self.event(
                "callback.opened",
                at,
                actor,
                data={"callback_id": callback_id, "rating": value},
                label=label,
            )
            done = at + dt.timedelta(seconds=self.lognormal(6 * 3600))
            if done <= g.now:
                supervisor = self.supervisor()
                row.update(
                    done_at=done, done_by_id=supervisor, outcome="已回访住户，说明原因并致歉"
                )
                self.event("callback.done", done, supervisor, data={"callback_id": callback_id})
            g.out.table(Callback).add(row)

    def complaint_flow(self, severity: str, desk: int) -> None:
        """CP-2..CP-9: validity and scope, dispatch to the complained department (or referral),
        the form signed within 15 minutes (CP-6), the report to the manager (CP-5), the
        handling within its limit (CP-7), the form returned and the complainant told the
        same day (CP-8), the return visit (CP-9), close."""
        rng, g, ctx = self.rng, self.g, self.ctx
        severity = (
            severity if severity in Severity.values else g.pick(g.severity_values, g.severity_cum)
        )
        valid = rng.random() < 0.88
        scope = Scope.PROPERTY if rng.random() < 0.85 else Scope.NON_PROPERTY
        received = self.received_at
        deadline = None
        if valid and severity == Severity.MINOR and rng.random() < 0.2:
            deadline = received + dt.timedelta(days=rng.uniform(1, 5))
        department_id, department_name = ctx.departments[self.dept_kind]
        c = Complaint(
            validity=Validity.VALID if valid else Validity.INVALID,
            scope=scope,
            severity=severity,
            reasonable_deadline=deadline,
        )
        self.complaint = c
        now_created = self.t
        stage = Stage.INVALID
        if valid and scope == Scope.PROPERTY:
            stage = Stage.FORM_SENT
            self.transition(
                "dispatch",
                desk,
                now_created,
                {"department_id": department_id, "department": department_name,
                 "assignee_id": None, "assignee": "", "note": ""},
                {"department_id": department_id},
            )  # fmt: skip
        elif valid:
            stage = Stage.REFERRED
            party_id, hours, party_name = rng.choice(ctx.parties)
            ref_id = g.ids(Referral)
            g.out.table(Referral).add(
                {"id": ref_id, "ticket_id": self.pk, "kind": ReferralKind.OTHER,
                 "external_party_id": party_id, "note": "开发商遗留问题，已转介责任方",
                 "committed_due_at": now_created + dt.timedelta(hours=hours),
                 "created_by_id": desk, "created_at": now_created}
            )  # fmt: skip
            self.transition(
                "refer",
                desk,
                now_created,
                {"referral_kind": ReferralKind.OTHER, "external_party_id": party_id,
                 "party": party_name, "engineer": "", "committed_hours": hours,
                 "committed_due_at": (now_created + dt.timedelta(hours=hours)).isoformat(),
                 "note": "开发商遗留问题", "referral_id": ref_id},
            )  # fmt: skip
        self.complaint_row = crow = {
            "id": g.ids(Complaint),
            "ticket_id": self.pk,
            "site_id": ctx.obj.pk,
            "received_at": received,
            "validity": c.validity,
            "invalid_reason": "" if valid else "个人不合理要求",
            "scope": scope,
            "non_property_kind": "developer_defect" if scope == Scope.NON_PROPERTY else "",
            "severity": severity,
            "initial_severity": severity,
            "upgrade_due_at": _add_months(received, 1, g.zone) if valid else None,
            "department_id": department_id if valid and scope == Scope.PROPERTY else None,
            "demand": "要求尽快处理并给予答复",
            "reasonable_deadline": deadline,
            "apology": "已代表相关部门向住户致歉",
            "stage": stage,
            "version": 1,
            "form_sent_at": now_created if stage == Stage.FORM_SENT else None,
            "leaders_copied_at": now_created if valid and severity != Severity.MINOR else None,
            "created_at": now_created,
            "updated_at": now_created,
        }
        self.complaint_event(
            "complaint.received",
            now_created,
            desk,
            data={"validity": c.validity, "scope": scope, "severity": severity,
                  "department": department_name if stage == Stage.FORM_SENT else "",
                  "person": "", "deadline": deadline.isoformat() if deadline else None},
            clock_at=received,
        )  # fmt: skip
        if stage == Stage.FORM_SENT:
            signer = rng.choice(ctx.workers[self.dept_kind])
            at = self.after(
                rng.uniform(3, 14) * 60 if rng.random() < 0.85 else rng.uniform(16, 90) * 60
            )
            self.transition(
                "start", signer, at, {"assignee": g.labels[signer]}, {"assignee_id": signer}
            )
            self.complaint_step(stage=Stage.SIGNED, form_signed_at=at, form_signed_by_id=signer)
            self.complaint_event("complaint.form_signed", at, signer)
            if valid and severity != Severity.MINOR:
                limit = 7200 if severity == Severity.IMPORTANT else 6 * 3600
                at = self.after(
                    rng.uniform(0.1, 0.9) * limit if rng.random() < 0.85 else limit * 1.5
                )
                target = (
                    ctx.staff[Role.SITE_MANAGER][0]
                    if severity == Severity.MAJOR
                    else rng.choice(g.company_wide[Role.AREA_MANAGER])
                )
                self.complaint_step(reported_at=at, reported_to_id=target, report_via="phone")
                self.complaint_event(
                    "complaint.reported",
                    at,
                    desk,
                    data={"to": g.labels[target], "to_id": target, "via": "phone"},
                )
            if severity == Severity.MAJOR:
                at = self.after(self.lognormal(20 * 3600))
                answer = "已明确答复住户处理方案和时间"
                self.complaint_step(answer=answer, answered_at=at, answered_by_id=desk)
                self.complaint_event("complaint.answered", at, desk, data={"answer": answer})
            handle: dict[str, int] = {
                Severity.MINOR: 20 * 3600,
                Severity.IMPORTANT: 40 * 3600,
                Severity.MAJOR: 5 * 86400,
            }
            at = self.after(self.lognormal(handle[severity], 0.9))
            handling = rng.choice(COMPLAINT_HANDLING)
            self.complete(at, signer, handling)
            substandard = rng.random() < 0.2
            self.complaint_step(
                stage=Stage.HANDLED, handling=handling, handled_at=at, handled_by_id=signer,
                caused_by_substandard_work=substandard, upgrade_due_at=None,
            )  # fmt: skip
            self.complaint_event(
                "complaint.handled",
                at,
                signer,
                data={"handling": handling, "substandard": substandard},
            )
            at = self.after(self.lognormal(2 * 3600))
            self.complaint_step(stage=Stage.RETURNED, form_returned_at=at, form_returned_by_id=desk)
            self.complaint_event("complaint.form_returned", at, desk, data={"note": ""})
        at = self.after(self.lognormal(2 * 3600))
        if self.row["state"] == S.RECEIVED:
            self.transition("start", desk, at, {"assignee": g.labels[desk]})
        if self.row["state"] in {S.DISPATCHED, S.IN_PROGRESS, S.REFERRED, S.WAITING_RESIDENT}:
            self.complete(at, desk, "已告知投诉人处理结果")
        note = "已电话告知投诉人处理结果，住户表示认可"
        self.complaint_step(
            stage=Stage.TOLD, told_at=at, told_by_id=desk, told_via=TellVia.PHONE, told_note=note
        )
        self.complaint_event(
            "complaint.complainant_told", at, desk, data={"via": "phone", "note": note}
        )
        if c.needs_return_visit:
            visit = {
                "id": g.ids(ReturnVisit), "complaint_id": crow["id"], "site_id": ctx.obj.pk,
                "created_at": at, "due_at": self.running_due(complaint_clocks.RETURN_VISIT),
            }  # fmt: skip
            try:
                at = self.after(self.lognormal(30 * 3600))
                satisfaction = rng.choices(["satisfied", "basically", "dissatisfied"], [70, 22, 8])[
                    0
                ]
                visit.update(done_at=at, done_by_id=self.supervisor(), via=TellVia.PHONE,
                             result="住户对处理结果表示认可", satisfaction=satisfaction)  # fmt: skip
                self.complaint_step(stage=Stage.VISITED)
                self.complaint_event(
                    "complaint.visited", at, self.supervisor(),
                    data={"via": "phone", "result": "住户对处理结果表示认可", "satisfaction": satisfaction},
                )  # fmt: skip
            finally:
                g.out.table(ReturnVisit).add(visit)
        at = self.after(self.lognormal(4 * 3600))
        dispatcher = self.desk(at)
        slip = getattr(self, "slip", None)
        data: dict[str, Any] = {"note": ""}
        if slip is not None:
            slip.update(confirmed_by_id=dispatcher, confirmed_at=at)
            data["slip"] = slip["number"]
        self.transition("close", dispatcher, at, data, {"closed_at": at})
        self.complaint_step(stage=Stage.CLOSED, closed_at=at)
        self.event("complaint.closed", at, dispatcher, data={"note": ""})
        if self.calllog is not None:
            self.calllog_done(at, dispatcher)

    def complaint_step(self, **changes: Any) -> None:
        assert self.complaint_row is not None
        self.complaint_row.update(changes)
        self.complaint_row["version"] += 1
        self.complaint_row["updated_at"] = self.t

    def complaint_event(
        self,
        verb: str,
        at: dt.datetime,
        actor: int,
        data: dict[str, Any] | None = None,
        clock_at: dt.datetime | None = None,
    ) -> None:
        """As ``complaints.services._record``: the audit event at ``at``, the clocks from
        ``clock_at`` when the commitment counts from another instant (the receipt)."""
        assert self.complaint is not None
        self.event(verb, at, actor, data=data)
        start = clock_at or at
        self.on_clocks(verb, start, actor, complaint_clocks.event_data(self.complaint, at=start))

    # -- end -----------------------------------------------------------------------------------

    def finish(self) -> None:
        """Sweep up to now, then write the ticket and every row it owns."""
        g = self.g
        self.sweep_until(g.now)
        out = g.out
        row = self.row
        if row["state"] not in {S.CLOSED, S.CANCELLED}:
            g.open_tickets += 1
        dues = [c.due_at for c in self.clocks if c.running and c.paused_at is None]
        row["next_due_at"] = min(dues) if dues else None
        out.table(Ticket).add(row)
        if self.consultation is not None:
            out.table(Consultation).add(self.consultation)
        if self.paid is not None:
            out.table(PaidService).add(self.paid)
        if self.complaint_row is not None:
            out.table(Complaint).add(self.complaint_row)
        if self.calllog is not None:
            self.calllog["log_class"] = _log_class(row["kind"], row["repair_class"])
            out.table(CallLog).add(self.calllog)
            self.event(
                "calllog.created",
                self.calllog["created_at"],
                self.calllog["received_by_id"],
                data={"kind": self.calllog["kind"], "class": self.calllog["log_class"],
                      "ticket": self.number, "link": CallLink.CREATED},
                subject=("tickets.calllog", self.calllog["id"]),
            )  # fmt: skip
        clocks = out.table(Clock).expect(CLOCK_COLUMNS)
        site_id = row["site_id"]
        for item in self.clocks:
            pol = item.policy
            clocks.append(
                (
                    item.pk,
                    self.pk,
                    site_id,
                    pol.clock_kind,
                    pol.rule,
                    pol.pk,
                    pol.version,
                    self.ctx.meet_json[pol.pk],
                    self.ctx.cancel_json[pol.pk],
                    pol.pausable,
                    item.started_at,
                    item.due_at,
                    item.warn_at,
                    item.warned_at,
                    item.breached_at,
                    item.met_at,
                    item.met_by,
                    item.met_event,
                    item.paused_at,
                    item.paused_seconds,
                    item.cancelled_at,
                    item.next_action_at,
                    item.next_level,
                )
            )


def _snapshot_json(
    state: str,
    version: int,
    department_id: int | None,
    assignee_id: int | None,
    urgency: str,
    is_complex: bool,
    repair_class: str,
) -> str:
    """The JSON ``json.dumps`` writes for the snapshot (its values need no escaping)."""

    def num(value: int | None) -> str:
        return "null" if value is None else str(value)

    return (
        f'{{"state":"{state}","version":{version},"department_id":{num(department_id)},'
        f'"assignee_id":{num(assignee_id)},"urgency":"{urgency}",'
        f'"is_complex":{"true" if is_complex else "false"},"repair_class":"{repair_class}"}}'
    )


def _log_class(kind: str, repair_class: str) -> str:
    """CV-2 (as tickets.services.log_class_for)."""
    if kind == K.COMPLAINT:
        return LogClass.COMPLAINT
    if kind == K.CONSULTATION:
        return LogClass.CONSULTATION
    if kind == K.REPAIR:
        by_class: dict[str, str] = {
            RepairClass.WARRANTY: LogClass.WARRANTY,
            RepairClass.OUTSIDE: LogClass.OUTSIDE,
            RepairClass.COORDINATION: LogClass.COORDINATION,
            RepairClass.COMPLAINT: LogClass.COMPLAINT,
        }
        return by_class.get(repair_class, LogClass.NORMAL)
    return LogClass.OTHER


def _add_months(value: dt.datetime, months: int, zone: Any) -> dt.datetime:
    """CP-3: one month after receipt, the day clipped to the month's end (local time)."""
    local = value.astimezone(zone)
    index = local.month - 1 + months
    year, month = local.year + index // 12, index % 12 + 1
    last = (dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)).day
    return local.replace(year=year, month=month, day=min(local.day, last))


def default_sites(tickets: int) -> int:
    return max(1, min(300, round(tickets / TICKETS_PER_SITE)))


def generate(
    *,
    tickets: int,
    sites: int | None = None,
    days: int = DEFAULT_DAYS,
    seed: int = 20261124,
    now: dt.datetime | None = None,
    fast: bool = True,
    workers: int = 0,
    log: Callable[[str], None] = lambda line: None,
) -> Summary:
    """Generate a company with ``sites`` sites and ``tickets`` tickets over ``days`` days
    ending at ``now``, into the default database (which must not hold company ``BENCH``).

    ``fast`` (PostgreSQL, superuser): COPY without per-row foreign-key triggers and without
    waiting for each commit's WAL flush; the test suite passes ``fast=False``. ``workers``
    processes (default: 2 with ``fast`` on PostgreSQL, else 1) generate disjoint sets of sites.
    """
    if tickets < 0 or days < 1:
        raise ValueError("tickets must be >= 0 and days >= 1")
    return Generator(
        tickets=tickets,
        sites=sites or default_sites(tickets),
        days=days,
        seed=seed,
        now=now or clock.now(),
        fast=fast,
        workers=workers or (2 if fast and connection.vendor == "postgresql" else 1),
        log=log,
    ).run()
