"""The demo county's data, generated: subjects, credit records and the files the departments send.

Everything is drawn from one ``random.Random(seed)``: the same seed, number of subjects and ``as_of`` give the
same subjects, rows and byte-identical files (XLSX entries carry a fixed timestamp).

How the files resemble a county's real traffic:

- Each department sends its licences and penalties every few weeks or months over the three years before
  ``as_of``; a file holds the decisions of the working days before it. Most arrive within the 7 working
  days of 双公示; some departments are less punctual than others, and now and then a file catches up on
  older decisions (those records are late).
- A file sometimes repeats a few rows of the one before (重复报送), and now and then sends a decision again
  with a corrected value (a new version of the record).
- Formats, encodings, header styles and date styles differ by department (``county.UPLOADS``).
- The latest file of the 综合行政执法局 has typical mistakes (to show rejected rows and the rejection file);
  another file with mistakes is left in ``待上传/`` for the user to upload.
- A few decisions are later revoked or withdrawn (done through the records service, not in files).

The pieces: :mod:`xinyong.demo.people` (subjects), :mod:`xinyong.demo.decisions` (who gets which decision,
when it is sent), :mod:`xinyong.demo.mistakes` (faulty rows) and :mod:`xinyong.demo.files` (writing the files).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from xinyong.catalog.spec import ItemSchema
from xinyong.demo.county import (
    COUNTY,
    UPLOADS,
)
from xinyong.demo.decisions import (
    ITEM_NAMES,
    REVOKED_LICENCES,
    REVOKED_PENALTIES,
    DecisionGenerator,
    DemoRow,
    Stream,
    decision_samples,
    streams_assign,
)
from xinyong.demo.files import DemoFile, demo_file_write
from xinyong.demo.mistakes import faulty_rows
from xinyong.demo.people import DemoSubject, demo_subjects
from xinyong.workdays.arithmetic import WorkCalendar

ERRORS_STREAM = ("urban-management", "penalty")
PENDING_STREAM = ("samr", "penalty")
PENDING_DIR = "待上传"
REVOCATION_REASONS = {
    "penalty": [
        ("revoked", "经行政复议，{county}人民政府决定撤销原行政处罚决定（示政复决字〔{year}〕{n}号）"),
        ("revoked", "人民法院判决撤销原行政处罚决定（（{year}）示{n}行初字第{n}号）"),
        ("revoked", "作出机关自行纠错，撤销原行政处罚决定"),
    ],
    "license": [
        ("revoked", "被许可人以欺骗手段取得行政许可，依法撤销"),
        ("withdrawn", "行政许可所依据的规划依法变更，为公共利益需要依法撤回"),
    ],
}


@dataclass(frozen=True)
class Revocation:
    department: str
    item: str
    document_number: str
    status: str  # revoked | withdrawn
    on: dt.date
    reason: str


@dataclass
class DemoPlan:
    subjects: list[DemoSubject]
    files: list[DemoFile]  # to load, in order of receipt
    pending: DemoFile | None
    revocations: list[Revocation] = field(default_factory=list)


def generate_county(
    *,
    seed: int,
    subjects: int,
    as_of: dt.date,
    departments: Mapping[str, tuple[str, str]],
    schemas: Mapping[str, ItemSchema],
    calendar: WorkCalendar,
    directory: Path,
) -> DemoPlan:
    """Draw the county's subjects and decisions and write the departments' files under ``directory``.

    ``departments``: code → (name, USCC); ``schemas``: item code → ItemSchema (for the column headers);
    ``calendar``: a working-day calendar covering the three years before ``as_of`` and some weeks more.
    """
    rng = random.Random(seed)
    people = demo_subjects(rng=rng, count=subjects)
    streams = streams_assign(rng, people)
    gen = DecisionGenerator(rng=rng, as_of=as_of, calendar=calendar, departments=departments)
    for key in sorted(streams):
        gen.stream(streams[key])
    # However small the county, it shows a repeated row and a correction.
    several = [streams[key] for key in sorted(streams) if len(streams[key].rounds) > 1]
    if several:
        largest = max(several, key=lambda s: sum(map(len, s.rounds)))
        if not gen.repeats:
            gen.repeat(largest, 1)
        if not gen.corrections:
            gen.correct(largest, 0, largest.rounds[0][0])

    # The latest file of one department has typical mistakes.
    errors = streams.get(ERRORS_STREAM)
    if errors is None:  # a county too small to have one: the file holds only the faulty rows
        errors = streams[ERRORS_STREAM] = Stream(*ERRORS_STREAM)
        errors.days = [gen.on_or_before(as_of - dt.timedelta(days=2))]
        errors.rounds = [[]]
    latest = errors.rounds[-1]
    spreadsheet = UPLOADS[ERRORS_STREAM[0]].format == "xlsx"
    for row in faulty_rows(gen, errors, people, day=errors.days[-1], spreadsheet=spreadsheet):
        latest.insert(rng.randrange(len(latest) + 1), row)

    files: list[DemoFile] = []
    for key in sorted(streams):
        stream = streams[key]
        department_name = departments[stream.department][0]
        for day, rows in zip(stream.days, stream.rounds, strict=True):
            if not rows:  # a tiny county's department with nothing to send
                continue
            purpose = "errors" if stream is errors and day == stream.days[-1] else "regular"
            files.append(
                demo_file_write(
                    directory / stream.department,
                    department=stream.department,
                    item=stream.item,
                    name=f"{department_name}_{ITEM_NAMES[stream.item]}_{day:%Y%m%d}",
                    rows=rows,
                    schema=schemas[stream.item],
                    received_at=gen.received_at(day),
                    purpose=purpose,
                )
            )
    files.sort(key=lambda f: (f.received_at, f.department, f.item))

    pending = _pending(gen, streams, people, departments, schemas, directory / PENDING_DIR)
    revocations = _revocations(rng, streams, as_of)
    return DemoPlan(subjects=people, files=files, pending=pending, revocations=revocations)


def _pending(
    gen: DecisionGenerator, streams, people, departments, schemas, directory: Path
) -> DemoFile | None:
    """A file with typical mistakes for the user to upload: recent decisions of the market regulator."""
    department, item = PENDING_STREAM
    stream = streams.get(PENDING_STREAM) or Stream(department, item)
    day = gen.on_or_before(gen.as_of)
    rows = [
        gen.row(stream, kind, subject, gen.before(day, gen.rng.randint(1, 5)))
        for kind, subject in decision_samples(gen.rng, people, department, item, count=16)
    ]
    if not rows:
        return None
    rows.sort(key=lambda r: r.decision)
    for row in faulty_rows(gen, stream, people, day=day, spreadsheet=True):
        rows.insert(gen.rng.randrange(len(rows) + 1), row)
    name = f"{departments[department][0]}_{ITEM_NAMES[item]}_{day:%Y%m%d}"
    return demo_file_write(
        directory,
        department=department,
        item=item,
        name=name,
        rows=rows,
        schema=schemas[item],
        received_at=gen.received_at(day),
        purpose="pending",
    )


def _revocations(rng: random.Random, streams, as_of: dt.date) -> list[Revocation]:
    """A few decisions revoked or withdrawn some weeks after they were published (at least one of each item)."""
    chosen: list[tuple[Stream, DemoRow]] = []
    for key in sorted(streams):
        stream = streams[key]
        rows = _first_sent(stream)
        share = REVOKED_PENALTIES if stream.item == "penalty" else REVOKED_LICENCES
        chosen += [(stream, row) for row in rng.sample(rows, round(len(rows) * share))]
    for item in ITEM_NAMES:
        candidates = [streams[key] for key in sorted(streams) if key[1] == item and _first_sent(streams[key])]
        if candidates and not any(stream.item == item for stream, _ in chosen):
            largest = max(candidates, key=lambda s: len(_first_sent(s)))
            chosen.append((largest, rng.choice(_first_sent(largest))))
    out = []
    for stream, row in chosen:
        status, reason = rng.choice(REVOCATION_REASONS[stream.item])
        on = min(as_of, row.received + dt.timedelta(days=rng.randint(15, 120)))
        number = row.fields["XK_WSH" if stream.item == "license" else "CF_WSH"]
        text = reason.format(county=COUNTY, year=on.year, n=rng.randint(1, 60))
        out.append(Revocation(stream.department, stream.item, number, status, on, text))
    return out


def _first_sent(stream: Stream) -> list[DemoRow]:
    """The stream's decisions, each once (the last form it was sent in)."""
    rows = [row for rows in stream.rounds for row in rows if row.received is not None]
    return list({row.fields["XK_WSH" if row.item == "license" else "CF_WSH"]: row for row in rows}.values())
