"""Demo data for `make demo`: an admin, a lecturer, two cooperatives with staff and trainees.

Passwords are fixed so the printed list works; PINs are issued anew on every run (they are
stored only as hashes). Refuses to run outside development.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts import service as accounts
from app.accounts.models import User
from app.accounts.tenancy import Principal
from app.cohorts import service as cohorts
from app.cohorts.models import Cohort
from app.cohorts.spreadsheet import TraineeRow

OPERATOR = Principal(user_id=None, role="admin", cooperative_id=None, display_name="demo set-up")
PASSWORD = "koshu-demo-2026"

COOPERATIVES = [
    {
        "name": "岡山国際技能協同組合",
        "licence_number": "許1712000001",
        "address": "岡山県岡山市北区表町1-1-1",
        "contact_name": "佐藤 花子",
        "staff": ("staff@okayama-coop.example", "佐藤 花子"),
        "employer": "株式会社 桃太郎精工",
        "trainees": [
            (
                "NGUYEN",
                "VAN AN",
                "グエン ヴァン アン",
                "VN",
                "vi",
                date(2003, 4, 12),
                "OK-2026-001",
            ),
            ("TRAN", "THI HOA", "チャン ティ ホア", "VN", "vi", date(2002, 9, 3), "OK-2026-002"),
            ("SOK", "DARA", "ソク ダラ", "KH", "km", date(2001, 1, 20), "OK-2026-003"),
        ],
    },
    {
        "name": "瀬戸内技能実習協同組合",
        "licence_number": "許1733000002",
        "address": "岡山県倉敷市水島1-2-3",
        "contact_name": "高橋 誠",
        "staff": ("staff@setouchi-coop.example", "高橋 誠"),
        "employer": "瀬戸内造船 株式会社",
        "trainees": [
            ("AUNG", "KO KO", "アウン コー コー", "MM", "my", date(2000, 6, 1), "SE-2026-001"),
            ("PUTRA", "ADI", "プトラ アディ", "ID", "id", date(2002, 11, 30), "SE-2026-002"),
        ],
    },
]


def _user(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == email))


def load(session: Session) -> list[dict[str, Any]]:
    """Create the demo accounts once; return every account with how to log in."""
    printed: list[dict[str, Any]] = []
    if _user(session, "admin@koshu.example") is None:
        accounts.create_user(
            session,
            None,
            role="admin",
            email="admin@koshu.example",
            display_name="NPO 管理者",
            password=PASSWORD,
        )
    printed.append({"role": "admin", "login": "admin@koshu.example", "secret": PASSWORD})
    if _user(session, "lecturer@koshu.example") is None:
        accounts.create_user(
            session,
            None,
            role="lecturer",
            email="lecturer@koshu.example",
            display_name="山田 太郎（行政書士）",
            password=PASSWORD,
            qualification="administrative-scrivener",
            registration_number="第12345678号",
            affiliations=[{"name": "山田行政書士事務所"}],
        )
    printed.append({"role": "lecturer", "login": "lecturer@koshu.example", "secret": PASSWORD})
    for spec in COOPERATIVES:
        cooperative = accounts.cooperative_by_licence(session, spec["licence_number"])
        if cooperative is None:
            cooperative = accounts.create_cooperative(
                session,
                OPERATOR,
                **{key: spec[key] for key in ("name", "licence_number", "address", "contact_name")},
            )
        email, name = spec["staff"]
        if _user(session, email) is None:
            accounts.create_user(
                session,
                None,
                role="staff",
                email=email,
                display_name=name,
                password=PASSWORD,
                cooperative_id=cooperative.id,
            )
        printed.append({"role": f"staff ({cooperative.name})", "login": email, "secret": PASSWORD})
        staff = Principal(
            user_id=None, role="staff", cooperative_id=cooperative.id, display_name="demo set-up"
        )
        cohort = session.scalar(select(Cohort).where(Cohort.cooperative_id == cooperative.id))
        if cohort is None:
            cohort = cohorts.create_cohort(
                session,
                staff,
                name="2026年12月入国",
                arrival_date=date(2026, 12, 1),
                training_start=date(2026, 12, 2),
                training_end=date(2026, 12, 28),
                work_start=date(2027, 1, 5),
                languages=sorted({t[4] for t in spec["trainees"]}),
            )
            for index, trainee in enumerate(spec["trainees"], start=2):
                family, given, kana, nationality, language, born, number = trainee
                cohorts.add_trainee(
                    session,
                    staff,
                    cohort,
                    TraineeRow(
                        row=index,
                        family_name=family,
                        given_name=given,
                        name_katakana=kana,
                        nationality=nationality,
                        preferred_language=language,
                        date_of_birth=born,
                        employer=spec["employer"],
                        trainee_number=number,
                    ),
                )
        for trainee, code, pin in cohorts.issue_pins(session, staff, cohort.id)[:2]:
            printed.append(
                {"role": f"trainee ({trainee.preferred_language})", "login": code, "secret": pin}
            )
    return printed
