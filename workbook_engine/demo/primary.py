"""A primary demo school (grades 1–5, Circular 27), its year played through the same inbox.

Each class has a homeroom teacher who teaches most of its subjects; specialists teach Ngoại ngữ,
Tin học and Công nghệ, Âm nhạc, Mĩ thuật and Giáo dục thể chất. At each of the four assessment
points every teacher fills their issued sheets (levels T/H/C, the periodic test where one exists,
a short comment; the homeroom teacher the qualities and competences T/Đ/C), saves them and drops
them into their own ``Nộp/`` folder; the pipeline takes them as it takes secondary sheets.
"""

from __future__ import annotations

import random
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from workbook_engine.demo.fill import WorkingCopy
from workbook_engine.demo.school import DemoOptions, _calendar, _Names, _username
from workbook_engine.io.kinds.primary import (
    COMPETENCE_NOTE,
    END,
    LEVEL_KEY,
    MIDDLE,
    NOTE_KEY,
    QUALITY_NOTE,
    RETEST_KEY,
    TEST_KEY,
    TRAITS_CODE,
    column,
)
from workbook_engine.model import (
    Assignment,
    ClassRoom,
    Gender,
    Role,
    SchoolInfo,
    SchoolLevel,
    Semester,
    Setup,
    Student,
    Teacher,
)
from workbook_engine.paths import DataDir
from workbook_engine.pipeline.ingest import Outcome
from workbook_engine.pipeline.issue import issue_templates
from workbook_engine.pipeline.ledger import Ledger
from workbook_engine.pipeline.runner import Pipeline
from workbook_engine.primary_defaults import primary_subjects
from workbook_engine.render.publish import publish
from workbook_engine.rules.primary import TRAITS

PRIMARY_SCHOOL_CODE = "TH-KD"
SPECIALISTS = {  # subject codes → the specialist teacher's group
    ("NN1",): "Tổ Ngoại ngữ",
    ("TIN", "CN"): "Tổ Tin học – Công nghệ",
    ("AN",): "Tổ Nghệ thuật",
    ("MT",): "Tổ Nghệ thuật",
    ("GDTC",): "Tổ Giáo dục thể chất",
}
# (semester, point, the day the sheets are sent)
POINTS = ((1, MIDDLE, 11, 14), (1, END, 1, 9), (2, MIDDLE, 3, 27), (2, END, 5, 22))
Progress = Callable[[str, int, int], None]
COMMENTS = {
    "T": ("Tiếp thu nhanh, làm bài cẩn thận.", "Hoàn thành tốt các nội dung học tập."),
    "H": ("Hoàn thành nội dung học tập, cần luyện thêm.", "Có tiến bộ, cần cẩn thận hơn."),
    "C": ("Chưa hoàn thành, cần được giúp đỡ thêm.",),
}


@dataclass
class PrimaryDemoResult:
    setup: Setup
    share: Path
    issued: int = 0
    rounds: list[tuple[str, list[Outcome]]] = field(default_factory=list)
    chain_head: str = ""
    chain_problem: str | None = None
    books: list[Path] = field(default_factory=list)


def build_primary_school(options: DemoOptions | None = None) -> Setup:
    """A valid primary school setup; the same options always give the same school."""
    o = options or DemoOptions(grades=(1, 2, 3, 4, 5), classes_per_grade=1, students_per_class=30)
    grades = tuple(g for g in o.grades if 1 <= g <= 5) or (1, 2, 3, 4, 5)
    rng = random.Random(o.seed)
    names = _Names(rng)
    first = int(o.school_year[:4])
    teachers: list[Teacher] = []
    taken: set[str] = set()

    def hire(roles: tuple[Role, ...], group: str = "") -> Teacher:
        full_name = names.person(Gender.FEMALE if rng.random() < 0.8 else Gender.MALE)
        teacher = Teacher(f"GV{len(teachers) + 1:03d}", full_name, roles,
                          (_username(full_name, taken),), group)  # fmt: skip
        teachers.append(teacher)
        return teacher

    principal = hire((Role.PRINCIPAL,))
    hire((Role.VICE_PRINCIPAL,))
    hire((Role.CLERK, Role.ADMIN))
    specialists = {codes: hire((Role.TEACHER,), group) for codes, group in SPECIALISTS.items()}
    subjects = primary_subjects(grades)
    classes: list[ClassRoom] = []
    students: list[Student] = []
    assignments: list[Assignment] = []
    for grade in grades:
        for n in range(1, o.classes_per_grade + 1):
            homeroom = hire((Role.TEACHER,), f"Tổ khối {grade}")
            room = ClassRoom(f"{grade}A{n}", grade, homeroom.code)
            classes.append(room)
            for s in (s for s in subjects if s.grade == grade):
                teacher = next((t for c, t in specialists.items() if s.code in c), homeroom)
                assignments.append(Assignment(teacher.code, room.code, s.code))
            for _ in range(max(1, o.students_per_class + rng.randint(-2, 2))):
                gender = Gender.FEMALE if rng.random() < 0.49 else Gender.MALE
                birth = date(first - 5 - grade, 1, 1) + timedelta(days=rng.randrange(365))
                code = f"32{first % 100:02d}{len(students) + 1:06d}"
                students.append(Student(code, names.person(gender), birth, gender, room.code))
    return Setup(
        school=SchoolInfo(
            name="Trường Tiểu học Kim Đồng (trường mẫu)",
            code=PRIMARY_SCHOOL_CODE,
            authority="Phòng Giáo dục và Đào tạo quận Lê Chân",
            province="Hải Phòng",
            school_year=o.school_year,
            principal=principal.full_name,
            address="Số 5 phố Kim Đồng, quận Lê Chân, Hải Phòng",
            level=SchoolLevel.PRIMARY,
        ),
        semesters=(
            Semester(1, date(first, 9, 5), date(first + 1, 1, 17)),
            Semester(2, date(first + 1, 1, 19), date(first + 1, 5, 31)),
        ),
        classes=tuple(classes),
        students=tuple(students),
        subjects=subjects,
        teachers=tuple(teachers),
        assignments=tuple(assignments),
        calendar=tuple(_calendar(first)),
    )


def _level(rng: random.Random, good: float) -> str:
    """T, H or C, a pupil's level this time (``good``: how likely T is for them)."""
    roll = rng.random()
    return "T" if roll < good else "H" if roll < 0.97 else "C"


def fill_primary(copy: WorkingCopy, rng: random.Random, strength: dict[str, float]) -> None:
    """Fill an issued primary sheet as its teacher would, every pupil."""
    point = copy.identity.period
    codes = copy.identity.student_codes
    traits = copy.identity.kind == "primary-traits"
    for i in copy.rows():
        good = strength.get(codes[i], 0.5)
        if traits:
            for t in TRAITS:
                roll = rng.random()
                copy.put(i, column(t.code, point), "T" if roll < good else "Đ" if roll < 0.98
                         else "C")  # fmt: skip
            copy.put(i, column(QUALITY_NOTE, point), "Chăm ngoan, lễ phép.")
            copy.put(i, column(COMPETENCE_NOTE, point), "Tự giác, biết hợp tác với bạn.")
            continue
        level = _level(rng, good)
        copy.put(i, column(LEVEL_KEY, point), level)
        if copy.has(column(RETEST_KEY, point)):  # a test at this point
            floor = {"T": 8, "H": 5, "C": 2}[level]
            score = min(10, floor + rng.randint(0, 2))
            copy.put(i, column(TEST_KEY, point), score)
            if score < 5:  # an abnormal result: re-tested, the second one is official
                copy.put(i, column(RETEST_KEY, point), score + 3)
        copy.put(i, column(NOTE_KEY, point), rng.choice(COMMENTS[level]))


def run_primary_demo(
    data: DataDir,
    inbox: Path,
    outbox: Path,
    options: DemoOptions | None = None,
    progress: Progress | None = None,
    share: Path | None = None,
) -> PrimaryDemoResult:
    """Build the primary demo school and play its year: the four points, then publish."""
    from workbook_engine.demo.run import _on_day, prepare_demo

    share = Path(share) if share is not None else Path("share")
    options = options or DemoOptions(grades=(1, 2, 3, 4, 5), classes_per_grade=1,
                                     students_per_class=30)  # fmt: skip
    setup, _, secret, layout = prepare_demo(data, outbox, share, build_primary_school(options))
    outbox.mkdir(parents=True, exist_ok=True)
    result = PrimaryDemoResult(setup, share)
    rng = random.Random(options.seed)
    strength = {s.code: rng.uniform(0.3, 0.9) for s in setup.students}
    with Pipeline(data, inbox, outbox, share=share) as pipeline:
        for semester in (1, 2):
            issued = issue_templates(setup, share, secret, semester)
            result.issued += len(issued.written)
            owner = {f.path: f.teacher_code for f in issued.files}
            for number, point, month, day in (p for p in POINTS if p[0] == semester):
                year = int(setup.school.school_year[:4]) + (month < 9)
                today = date(year, month, day)
                mine = sorted(p for p in owner if p.stem.endswith(f"_{point}{semester}"))
                label = f"Đánh giá {point}{number}: giáo viên điền và gửi"
                dropped = []
                for i, sheet in enumerate(mine, start=1):
                    copy = WorkingCopy(sheet)
                    fill_primary(copy, rng, strength)
                    copy.save(setup)
                    folder = layout.submit(owner[sheet])
                    folder.mkdir(parents=True, exist_ok=True)
                    dropped.append(Path(shutil.copy2(copy.path, folder / copy.path.name)))
                    if progress:
                        progress(label, i, len(mine))
                pipeline.today = today
                pipeline.ledger.clock = _on_day(today)
                outcomes = [pipeline.process(path) for path in dropped]
                result.rounds.append((_round_label(number, point, today), outcomes))
        # the year's last day, not the machine's: the reports speak of the demo year
        publish(pipeline.ledger, setup, outbox, max(s.end for s in setup.semesters), all_pdfs=True)
        result.chain_problem = pipeline.ledger.verify()
        result.chain_head = pipeline.ledger.chain_head()
        result.books = _books(pipeline.ledger, setup, outbox, progress)
    return result


def _books(ledger: Ledger, setup: Setup, outbox: Path, progress: Progress | None) -> list[Path]:
    """The year's summary sheet of every class, the records (học bạ) of the last class."""
    from workbook_engine.render.books.primary_hocba import write_primary_hocba
    from workbook_engine.render.books.primary_summary import write_primary_summary

    day = max(s.end for s in setup.semesters)
    written: list[Path] = []
    for done, room in enumerate(setup.classes, start=1):
        written += write_primary_summary(ledger, setup, outbox, room.code, 2, END, day)
        if progress:
            progress("Bảng tổng hợp cuối năm (lớp)", done, len(setup.classes))
    if setup.classes:
        written += write_primary_hocba(ledger, setup, outbox, setup.classes[-1].code, day)
    return written


def _round_label(semester: int, point: str, day: date) -> str:
    name = {(1, MIDDLE): "Giữa học kì I", (1, END): "Cuối học kì I",
            (2, MIDDLE): "Giữa học kì II", (2, END): "Cuối năm học"}[semester, point]  # fmt: skip
    return f"{name} ({day.strftime('%d/%m/%Y')})"


__all__ = ["TRAITS_CODE", "build_primary_school", "run_primary_demo"]
