"""A seeded, realistic demo school (grades 6–9) for the demo and for benchmarks."""

from __future__ import annotations

import math
import random
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from importlib import resources
from typing import Any

import yaml

from workbook_engine.model import (
    Assignment,
    CalendarEvent,
    ClassRoom,
    EventKind,
    Exemption,
    ExemptionScope,
    Gender,
    Role,
    SchoolInfo,
    Semester,
    Setup,
    Student,
    Subject,
    Teacher,
)
from workbook_engine.rules import AssessmentMode

WEEKS_PER_YEAR = 35
TEACHER_PERIODS_PER_WEEK = 18


@dataclass(frozen=True)
class DemoOptions:
    classes_per_grade: int = 2
    grades: tuple[int, ...] = (6, 7, 8, 9)
    students_per_class: int = 40
    seed: int = 2025
    school_year: str = "2025-2026"

    total_classes: int | None = None  # spread over the grades, lower grades first

    def class_codes(self) -> list[tuple[int, str]]:
        """(grade, class code) of every class: 6A1, 6A2, 7A1, …"""
        if self.total_classes is None:
            counts = [self.classes_per_grade] * len(self.grades)
        else:
            base, extra = divmod(self.total_classes, len(self.grades))
            counts = [base + (i < extra) for i in range(len(self.grades))]
        pairs = zip(self.grades, counts, strict=True)
        return [(g, f"{g}A{i}") for g, n in pairs for i in range(1, n + 1)]


@cache
def _data(name: str) -> Any:
    return yaml.safe_load(resources.files("workbook_engine.demo").joinpath(name).read_text("utf-8"))


def ascii_fold(text: str) -> str:
    """'Nguyễn Thị Hoa' → 'Nguyen Thi Hoa' (for user names)."""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


class _Names:
    def __init__(self, rng: random.Random) -> None:
        data = _data("names.yaml")
        self.rng = rng
        self.surnames = list(data["surnames"])
        self.weights = list(data["surnames"].values())
        self.data = data

    def person(self, gender: Gender) -> str:
        key = "male" if gender is Gender.MALE else "female"
        surname = self.rng.choices(self.surnames, self.weights)[0]
        middle = self.rng.choice(self.data[f"{key}_middle"])
        given = self.rng.choice(self.data[f"{key}_given"])
        return f"{surname} {middle} {given}"


def _subjects(grades: tuple[int, ...]) -> list[Subject]:
    subjects = []
    for grade in grades:
        for raw in _data("subjects.yaml"):
            periods = raw.get("periods_by_grade", {}).get(grade, raw["periods"])
            subjects.append(
                Subject(
                    grade=grade,
                    code=raw["code"],
                    name=raw["name"],
                    periods_per_year=periods,
                    mode=AssessmentMode(raw["mode"]),
                )
            )
    return subjects


def _calendar(first: int) -> list[CalendarEvent]:
    d = date
    deadline, lock = EventKind.DEADLINE, EventKind.LOCK
    events = [
        CalendarEvent(deadline, d(first, 9, 5), d(first + 1, 1, 15), 1, "TX", "Điểm TX học kì 1"),
        CalendarEvent(deadline, d(first, 10, 27), d(first, 11, 22), 1, "GK", "Điểm giữa kì 1"),
        CalendarEvent(deadline, d(first, 12, 22), d(first + 1, 1, 15), 1, "CK", "Điểm cuối kì 1"),
        CalendarEvent(deadline, d(first + 1, 1, 19), d(first + 1, 5, 28), 2, "TX", "Điểm TX HK2"),
        CalendarEvent(
            deadline, d(first + 1, 3, 16), d(first + 1, 4, 11), 2, "GK", "Điểm giữa kì 2"
        ),
        CalendarEvent(deadline, d(first + 1, 5, 4), d(first + 1, 5, 28), 2, "CK", "Điểm cuối kì 2"),
        CalendarEvent(lock, d(first + 1, 1, 24), d(first + 1, 8, 31), 1, "", "Khóa sổ học kì 1"),
        CalendarEvent(lock, d(first + 1, 6, 5), d(first + 1, 8, 31), 2, "", "Khóa sổ cả năm"),
        CalendarEvent(
            EventKind.SUMMER, d(first + 1, 8, 1), d(first + 1, 8, 15), None, "", "Kiểm tra lại"
        ),
        CalendarEvent(EventKind.HOLIDAY, d(first + 1, 1, 1), d(first + 1, 1, 1), None, "",
                      "Tết Dương lịch"),
        CalendarEvent(EventKind.HOLIDAY, d(first + 1, 2, 14), d(first + 1, 2, 22), None, "",
                      "Nghỉ Tết Nguyên đán"),
        CalendarEvent(EventKind.HOLIDAY, d(first + 1, 4, 30), d(first + 1, 5, 1), None, "",
                      "Ngày Giải phóng miền Nam, Quốc tế Lao động"),
    ]  # fmt: skip
    month, year = 9, first
    while (year, month) <= (first + 1, 5):
        nxt = date(year + (month == 12), month % 12 + 1, 1)
        events.append(
            CalendarEvent(
                EventKind.ATTENDANCE,
                nxt,
                nxt + timedelta(days=4),
                None,
                "",
                f"Xác nhận điểm danh tháng {month}/{year}",
            )
        )
        events.append(
            CalendarEvent(
                EventKind.PROGRESS_CHECK,
                date(year, month, 25),
                date(year, month, 28),
                None,
                "",
                f"Kiểm tra tiến độ tháng {month}/{year}",
            )
        )
        month, year = (1, year + 1) if month == 12 else (month + 1, year)
    return events


def _username(full_name: str, taken: set[str]) -> str:
    parts = ascii_fold(full_name).lower().split()
    base = parts[-1] + "".join(p[0] for p in parts[:-1])
    name, n = base, 1
    while name in taken:
        n += 1
        name = f"{base}{n}"
    taken.add(name)
    return name


def build_demo_school(options: DemoOptions | None = None) -> Setup:
    """A complete, valid school setup; the same options always give the same school."""
    o = options or DemoOptions()
    rng = random.Random(o.seed)
    names = _Names(rng)
    first = int(o.school_year[:4])
    subjects = _subjects(o.grades)
    classes_codes = o.class_codes()

    teachers: list[Teacher] = []
    usernames: set[str] = set()

    def new_teacher(roles: tuple[Role, ...], group: str = "") -> Teacher:
        gender = Gender.FEMALE if rng.random() < 0.7 else Gender.MALE
        full_name = names.person(gender)
        # Windows logon name, and the Office display name Excel writes as "last modified by".
        logins = [_username(full_name, usernames)]
        if full_name.casefold() not in usernames:
            usernames.add(full_name.casefold())
            logins.append(full_name)
        teacher = Teacher(
            code=f"GV{len(teachers) + 1:03d}",
            full_name=full_name,
            roles=roles,
            usernames=tuple(logins),
            group=group,
        )
        teachers.append(teacher)
        return teacher

    principal = new_teacher((Role.PRINCIPAL,))
    new_teacher((Role.VICE_PRINCIPAL,))
    new_teacher((Role.VICE_PRINCIPAL,))
    new_teacher((Role.CLERK, Role.ADMIN))

    assignments: list[Assignment] = []
    groups_seen: set[str] = set()
    for raw in _data("subjects.yaml"):
        code = raw["code"]
        rooms = [
            (g, c)
            for g, c in classes_codes
            if any(s.grade == g and s.code == code for s in subjects)
        ]
        weekly = (
            sum(
                next(s.periods_per_year for s in subjects if s.grade == g and s.code == code)
                for g, _ in rooms
            )
            / WEEKS_PER_YEAR
        )
        count = max(1, math.ceil(weekly / TEACHER_PERIODS_PER_WEEK))
        staff = []
        for _ in range(count):
            roles: tuple[Role, ...] = (Role.TEACHER,)
            if raw["group"] not in groups_seen:
                groups_seen.add(raw["group"])
                roles = (Role.TEACHER, Role.GROUP_HEAD)
            staff.append(new_teacher(roles, f"Tổ {raw['group']}"))
        for i, (_, class_code) in enumerate(rooms):
            assignments.append(Assignment(staff[i * count // len(rooms)].code, class_code, code))

    subject_teachers = [t for t in teachers if Role.TEACHER in t.roles]
    homeroom = rng.sample(subject_teachers, k=min(len(classes_codes), len(subject_teachers)))
    while len(homeroom) < len(classes_codes):  # very large schools: hire more homeroom teachers
        homeroom.append(new_teacher((Role.TEACHER,), "Tổ Xã hội"))
    classes = [
        ClassRoom(code, grade, homeroom[i].code) for i, (grade, code) in enumerate(classes_codes)
    ]

    students: list[Student] = []
    for room in classes:
        size = max(1, o.students_per_class + rng.randint(-3, 3))
        for _ in range(size):
            gender = Gender.FEMALE if rng.random() < 0.49 else Gender.MALE
            born = 2020 - room.grade - (1 if rng.random() < 0.02 else 0)
            birth = date(born, 1, 1) + timedelta(days=rng.randrange(365))
            students.append(
                Student(
                    code=f"31{first % 100:02d}{len(students) + 1:06d}",
                    full_name=names.person(gender),
                    birth_date=birth,
                    gender=gender,
                    class_code=room.code,
                )
            )
    exemptions = []
    if len(students) > 10:
        exemptions = [
            Exemption(students[3].code, "GDTC", ExemptionScope.PRACTICAL, "Bệnh tim bẩm sinh"),
            Exemption(
                students[-5].code,
                "NN1",
                ExemptionScope.WHOLE,
                "Khuyết tật, kế hoạch giáo dục cá nhân",
            ),
        ]

    return Setup(
        school=SchoolInfo(
            name="Trường THCS Nguyễn Du (trường mẫu)",
            code="THCS-ND",
            authority="Phòng Giáo dục và Đào tạo quận Lê Chân",
            province="Hải Phòng",
            school_year=o.school_year,
            principal=principal.full_name,
            address="Số 12 đường Nguyễn Du, quận Lê Chân, Hải Phòng",
        ),
        semesters=(
            Semester(1, date(first, 9, 5), date(first + 1, 1, 17)),
            Semester(2, date(first + 1, 1, 19), date(first + 1, 5, 31)),
        ),
        classes=tuple(classes),
        students=tuple(students),
        subjects=tuple(subjects),
        teachers=tuple(teachers),
        assignments=tuple(assignments),
        exemptions=tuple(exemptions),
        calendar=tuple(_calendar(first)),
    )
