"""Long lists are searched and paged on the server, the query kept in the URL: a cohort's
trainees, its dashboard, the cohorts, the lectures and the audit log."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy.orm import Session, sessionmaker

from app.accounts.tenancy import Principal
from app.cohorts import service as cohorts
from app.cohorts.models import Cohort
from app.web import paging
from tests.conftest import World, _trainee_row
from tests.pages import page, text_of

MANY = 62  # with trainee A: 63, two pages and a bit


@pytest.fixture
def crowded(session_factory: sessionmaker[Session], world: World) -> None:
    with session_factory() as session:
        staff = Principal(
            user_id=world.staff_a.id, role="staff", cooperative_id=world.coop_a.id, display_name="t"
        )
        cohort = session.get(Cohort, world.cohort_a.id)
        for n in range(MANY):
            family = "TRAN" if n % 10 == 0 else "LE"
            cohorts.add_trainee(session, staff, cohort, _trainee_row(f"A-{n + 100:03d}", family))
        session.commit()


def _query(href: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(href).query)


def test_a_cohorts_trainees_are_paged_and_searched(
    crowded: None, signed_in: Any, world: World
) -> None:
    staff = signed_in(world.staff_a)
    url = f"/cohorts/{world.cohort_a.id}"
    first = page(staff, url)
    assert len(first.xpath('//table[contains(@class, "trainees")]/tbody/tr')) == paging.PER_PAGE
    pager = first.xpath('//nav[@class="pager"]')[0]
    assert "1–50" in text_of(pager) and "63" in text_of(pager)
    (next_link,) = pager.xpath('.//a[@rel="next"]')
    assert _query(next_link.get("href"))["page"] == ["2"]
    second = page(staff, next_link.get("href"))
    assert len(second.xpath('//table[contains(@class, "trainees")]/tbody/tr')) == 13
    found = page(staff, f"{url}?q=tran")
    rows = found.xpath('//table[contains(@class, "trainees")]/tbody/tr')
    assert len(rows) == 7 and all("TRAN" in text_of(row) for row in rows)
    assert found.xpath('//form[@class="search"]//input[@name="q"]')[0].get("value") == "tran"
    assert not found.xpath('//nav[@class="pager"]')
    nothing = page(staff, f"{url}?q=nobody-here")
    assert "Nothing matches" in text_of(nothing) or "一致" in text_of(nothing)


def test_the_dashboard_pages_keep_the_filters_and_the_search(
    crowded: None, signed_in: Any, world: World
) -> None:
    staff = signed_in(world.staff_a)
    base = f"/cohorts/{world.cohort_a.id}/dashboard"
    doc = page(staff, f"{base}?status=in-progress&q=le")
    rows = doc.xpath('//table[contains(@class, "dashboard")]/tbody/tr')
    assert len(rows) == paging.PER_PAGE
    (next_link,) = doc.xpath('//nav[@class="pager"]//a[@rel="next"]')
    assert _query(next_link.get("href")) == {"status": ["in-progress"], "q": ["le"], "page": ["2"]}
    rest = page(staff, next_link.get("href")).xpath(
        '//table[contains(@class, "dashboard")]/tbody/tr'
    )
    assert len(rest) == MANY - 7 - paging.PER_PAGE  # 55 LEs (every tenth is a TRAN), less page 1
    beyond = page(staff, f"{base}?page=99")  # past the end: the last page
    assert beyond.xpath('//nav[@class="pager"]//strong[@aria-current="page"]')[0].text == "2"


def test_the_audit_log_is_searched_in_the_database_and_paged(
    crowded: None, signed_in: Any, world: World
) -> None:
    staff = signed_in(world.staff_a)
    doc = page(staff, "/audit?q=A-1")
    rows = doc.xpath('//table[@class="audit"]/tbody/tr')
    assert len(rows) == paging.PER_PAGE
    assert all("A-1" in text_of(row) for row in rows)
    (next_link,) = doc.xpath('//nav[@class="pager"]//a[@rel="next"]')
    assert _query(next_link.get("href")) == {"q": ["A-1"], "page": ["2"]}
    assert "ZZCOOPB" not in text_of(page(staff, "/audit?q=ZZCOOPB"))
    # Wildcards are literal: "%" finds only a summary with a percent sign.
    assert not page(staff, "/audit?q=%25").xpath('//table[@class="audit"]/tbody/tr')


def test_columns_sort_by_whitelisted_keys_and_pages_keep_the_order(
    crowded: None, signed_in: Any, world: World
) -> None:
    staff = signed_in(world.staff_a)
    url = f"/cohorts/{world.cohort_a.id}"

    def names(doc: Any) -> list[str]:
        rows = doc.xpath('//table[contains(@class, "trainees")]/tbody/tr/td[@class="name"][1]')
        return [text_of(cell) for cell in rows]

    by_number = page(staff, url)
    (by_name,) = by_number.xpath('//th/a[@class="sort" and contains(@href, "sort=name")]/@href')
    ascending = page(staff, by_name)
    assert names(ascending)[0].startswith("FAMILYA") and ascending.xpath(
        '//th[@aria-sort="ascending"]'
    )
    flipped = ascending.xpath('//th[@aria-sort="ascending"]//a/@href')[0]
    assert _query(flipped)["sort"] == ["-name"]
    descending = page(staff, flipped)
    assert names(descending)[0].startswith("TRAN")
    (next_link,) = descending.xpath('//nav[@class="pager"]//a[@rel="next"]')
    assert _query(next_link.get("href"))["sort"] == ["-name"]
    search_keeps = descending.xpath('//form[@class="search"]//input[@name="sort"]/@value')
    assert search_keeps == ["-name"]
    # Only the named columns sort; anything else is the default order, never an error.
    assert names(page(staff, f"{url}?sort=password_hash")) == names(by_number)
    audit = page(staff, "/audit?sort=who")
    assert audit.xpath('//th[@aria-sort="ascending"]//a[contains(@href, "sort=-who")]')
    # The count line says "newest first" only when that is the order.
    assert "新しい順" not in text_of(audit.xpath("//main//p")[0])
    assert "新しい順" in text_of(page(staff, "/audit").xpath("//main//p")[0])
    assert page(staff, "/audit?sort=-summary;drop").xpath('//th[@aria-sort="descending"]')
    assert page(staff, "/cohorts?sort=-name").xpath('//th[@aria-sort="descending"]')


def test_cohorts_and_lectures_lists_take_a_search(signed_in: Any, world: World) -> None:
    staff = signed_in(world.staff_a)
    assert "Cohort A" in text_of(page(staff, "/cohorts?q=cohort"))
    assert "Cohort A" not in text_of(page(staff, "/cohorts?q=nothing-like-it"))
    lectures = page(staff, "/lectures?q=nothing-like-it")
    assert lectures.xpath('//form[@class="search"]')


def test_page_links_show_the_ends_and_the_neighbourhood() -> None:
    assert paging.matches("tran an", "TRAN", "VAN AN")
    assert not paging.matches("tran bo", "TRAN", "VAN AN")
    assert paging.query_text("  a   b ") == "a b" and len(paging.query_text("x" * 500)) == 100
    assert paging.page_number("x") == 1 and paging.page_number("-3") == 1
