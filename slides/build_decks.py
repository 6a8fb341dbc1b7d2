#!/usr/bin/env python3
"""Build the legal-protection lecture decks from their TOML sources.

    python slides/build_decks.py [--source DIR] [--out DIR]

Reads slides/source/lecture.<lang>.toml (lecture.ja.toml is the master) and writes
slides/legal-protection.<lang>.pptx. The decks follow the conventions the Koshu importer
relies on (see slides/README.md): one PowerPoint section per module named "<CODE> <title>",
quiz slides marked by a "[quiz]" line in the speaker notes, hidden slides with show="0".

Output is byte-for-byte reproducible: fixed document dates, fixed zip timestamps, and
pictures drawn here with Pillow rather than taken from files.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import math
import re
import sys
import tomllib
import unicodedata
import uuid
import zipfile
from functools import cache
from pathlib import Path
from xml.sax.saxutils import quoteattr

from PIL import Image, ImageDraw, ImageFont
from pptx import Presentation
from pptx.enum.lang import MSO_LANGUAGE_ID
from pptx.oxml import parse_xml
from pptx.oxml.ns import qn
from pptx.util import Emu, Inches, Pt

HERE = Path(__file__).resolve().parent
MASTER_LANGUAGE = "ja"

# Layout indexes in python-pptx's default template.
LAYOUT_TITLE, LAYOUT_CONTENT, LAYOUT_SECTION, LAYOUT_TITLE_ONLY = 0, 1, 2, 5

# Every date in the package is pinned so that rebuilding unchanged sources gives the same bytes.
FIXED_DATE = dt.datetime(2025, 12, 1, 0, 0, 0)

SECTION_EXT_URI = "{521415D9-36F7-43E2-AB2F-B90AF26B5E84}"
P_NS = "http://schemas.openxmlformats.org/presentationml/2006/main"
P14_NS = "http://schemas.microsoft.com/office/powerpoint/2010/main"
SECTION_GUID_NAMESPACE = uuid.uuid5(
    uuid.NAMESPACE_URL, "https://koshu.example/legal-protection/sections"
)

LANGUAGE_IDS = {
    "ja": MSO_LANGUAGE_ID.JAPANESE,
    "en": MSO_LANGUAGE_ID.ENGLISH_US,
    "vi": MSO_LANGUAGE_ID.VIETNAMESE,
}

MODULE_CODE = re.compile(r"^LP-\d{2}$")
QUIZ_LABEL = re.compile(r"^([A-Z])\. \S")
QUIZ_KEYS = {"answer", "explanation"}
SLIDE_KEYS = {"title", "bullets", "notes", "table", "picture", "layout", "hidden"} | QUIZ_KEYS
LAYOUTS = {"title", "section", "content"}


# ---------------------------------------------------------------------------
# Sources


class SourceError(ValueError):
    pass


def load_source(path: Path) -> dict:
    with path.open("rb") as f:
        deck = tomllib.load(f)
    validate(deck, path)
    return deck


def bullet_text(bullet) -> str:
    return bullet if isinstance(bullet, str) else bullet["text"]


def bullet_level(bullet) -> int:
    return 0 if isinstance(bullet, str) else int(bullet.get("level", 0))


def is_quiz(slide: dict) -> bool:
    return "answer" in slide


def validate(deck: dict, path: Path) -> None:
    """Reject sources the importer would misread; messages name the file and slide."""

    def fail(msg: str):
        raise SourceError(f"{path.name}: {msg}")

    lang = deck.get("deck", {}).get("language")
    if path.name != f"lecture.{lang}.toml":
        fail(f"[deck] language = {lang!r} does not match the file name")
    modules = deck.get("modules") or fail("no [[modules]]")
    codes = [m.get("code") for m in modules]
    if len(set(codes)) != len(codes) or not all(MODULE_CODE.match(c or "") for c in codes):
        fail(f"module codes must be unique and look like LP-01: {codes}")

    for m_index, module in enumerate(modules):
        slides = module.get("slides") or fail(f"{module['code']} has no slides")
        layouts = [s.get("layout", "content") for s in slides]
        expected_first = ["title", "section"] if m_index == 0 else ["section"]
        if layouts[: len(expected_first)] != expected_first:
            fail(f"{module['code']} must start with layout(s) {expected_first}")
        if "title" in layouts[len(expected_first) :] or "section" in layouts[len(expected_first) :]:
            fail(f"{module['code']}: 'title'/'section' layouts are only for the opening slides")
        for s_index, slide in enumerate(slides, 1):
            where = f"{module['code']} slide {s_index}"
            unknown = set(slide) - SLIDE_KEYS
            if unknown:
                fail(f"{where}: unknown keys {sorted(unknown)}")
            if not slide.get("title"):
                fail(f"{where}: missing title")
            if slide.get("layout", "content") not in LAYOUTS:
                fail(f"{where}: layout must be one of {sorted(LAYOUTS)}")
            if slide.get("picture") and slide["picture"] not in PICTURES:
                fail(f"{where}: unknown picture {slide['picture']!r}; known: {sorted(PICTURES)}")
            table = slide.get("table")
            if table is not None and (len(table) < 2 or len({len(r) for r in table}) != 1):
                fail(f"{where}: a table needs a header row and rows of equal length")
            if table is not None and slide.get("picture"):
                fail(f"{where}: a slide has a table or a picture, not both")
            if is_quiz(slide):
                if problem := quiz_problem(slide):
                    fail(f"{where}: {problem}")
            elif "explanation" in slide:
                fail(f"{where}: 'explanation' without 'answer'")


def quiz_problem(slide: dict) -> str | None:
    """What is wrong with a quiz slide, or None."""
    labels = []
    for bullet in slide.get("bullets", []):
        match = QUIZ_LABEL.match(bullet_text(bullet))
        if not match or bullet_level(bullet):
            return f"quiz choices must be top-level bullets starting 'A. ', 'B. ', ...: {bullet!r}"
        labels.append(match.group(1))
    if labels != [chr(ord("A") + i) for i in range(len(labels))] or len(labels) < 2:
        return f"quiz choices must be labelled A, B, C... in order: {labels}"
    if slide["answer"] not in labels:
        return f"answer {slide['answer']!r} is not one of the choices {labels}"
    if slide.get("table") or slide.get("picture") or slide.get("layout", "content") != "content":
        return "a quiz slide is a plain content slide"
    return None


def check_translation(master: dict, other: dict) -> None:
    """A translation must mirror the master slide for slide, or imports would mismatch."""
    lang = other["deck"]["language"]

    def fail(msg: str):
        raise SourceError(f"lecture.{lang}.toml differs from the Japanese master: {msg}")

    m_codes = [m["code"] for m in master["modules"]]
    o_codes = [m["code"] for m in other["modules"]]
    if m_codes != o_codes:
        fail(f"modules {o_codes} != {m_codes}")
    for m_mod, o_mod in zip(master["modules"], other["modules"], strict=True):
        m_count, o_count = len(m_mod["slides"]), len(o_mod["slides"])
        if m_count != o_count:
            fail(f"{m_mod['code']} has {o_count} slides, the master has {m_count}")
        for index, (ms, os_) in enumerate(zip(m_mod["slides"], o_mod["slides"], strict=True), 1):
            for key in ("layout", "picture", "hidden", "answer"):
                if ms.get(key) != os_.get(key):
                    fail(
                        f"{m_mod['code']} slide {index}: {key} {os_.get(key)!r} != {ms.get(key)!r}"
                    )
            if is_quiz(ms) and len(ms["bullets"]) != len(os_["bullets"]):
                fail(f"{m_mod['code']} slide {index}: number of quiz choices differs")
            m_shape = [len(r) for r in ms.get("table", [])]
            if m_shape != [len(r) for r in os_.get("table", [])]:
                fail(f"{m_mod['code']} slide {index}: table shape differs")


# ---------------------------------------------------------------------------
# Pictures
#
# Drawn rather than stored so they stay reproducible and editable in review. They carry no
# words, only digits and symbols, so one set serves every language.

NAVY, BLUE, SKY = "#1F3A5F", "#2E6FD8", "#DCE8FA"
RED, GREEN, YELLOW = "#D64545", "#2E9E5B", "#F2C230"
GREY, LIGHT, PAPER, INK = "#8A94A6", "#EEF2F7", "#FFFFFF", "#222831"

PICTURE_SIZE = 900  # logical pixels; the PNG is this size, drawn at 2x for smooth edges


@cache
def font(size: int) -> ImageFont.FreeTypeFont:
    # Pillow's bundled font: the same glyphs on every machine, no system font needed.
    return ImageFont.load_default(size=size)


class Sketch:
    """A square canvas with coordinates in logical pixels."""

    SCALE = 2

    def __init__(self, background: str = PAPER):
        side = PICTURE_SIZE * self.SCALE
        self.image = Image.new("RGB", (side, side), background)
        self.draw = ImageDraw.Draw(self.image)

    def _s(self, values):
        return [v * self.SCALE for v in values]

    def rect(self, box, fill=None, outline=None, width=0, radius=0):
        self.draw.rounded_rectangle(
            self._s(box),
            radius=radius * self.SCALE,
            fill=fill,
            outline=outline,
            width=width * self.SCALE,
        )

    def ellipse(self, box, fill=None, outline=None, width=0):
        self.draw.ellipse(self._s(box), fill=fill, outline=outline, width=width * self.SCALE)

    def circle(self, cx, cy, r, **kw):
        self.ellipse((cx - r, cy - r, cx + r, cy + r), **kw)

    def pie(self, box, start, end, fill):
        self.draw.pieslice(self._s(box), start, end, fill=fill)

    def polygon(self, points, fill=None, outline=None, width=0):
        self.draw.polygon(
            self._s([c for p in points for c in p]),
            fill=fill,
            outline=outline,
            width=width * self.SCALE,
        )

    def line(self, points, fill=INK, width=4):
        self.draw.line(
            self._s([c for p in points for c in p]),
            fill=fill,
            width=width * self.SCALE,
            joint="curve",
        )

    def dashed(self, start, end, fill=GREY, width=4, dash=18):
        (x0, y0), (x1, y1) = start, end
        length = math.hypot(x1 - x0, y1 - y0)
        for i in range(0, int(length), dash * 2):
            a, b = i / length, min(i + dash, length) / length
            self.line(
                [
                    (x0 + (x1 - x0) * a, y0 + (y1 - y0) * a),
                    (x0 + (x1 - x0) * b, y0 + (y1 - y0) * b),
                ],
                fill,
                width,
            )

    def arrow(self, start, end, fill=INK, width=8, head=26):
        (x0, y0), (x1, y1) = start, end
        angle = math.atan2(y1 - y0, x1 - x0)
        base = (x1 - head * math.cos(angle), y1 - head * math.sin(angle))
        self.line([start, base], fill, width)
        left = (base[0] + head * 0.6 * math.sin(angle), base[1] - head * 0.6 * math.cos(angle))
        right = (base[0] - head * 0.6 * math.sin(angle), base[1] + head * 0.6 * math.cos(angle))
        self.polygon([end, left, right], fill=fill)

    def text(self, xy, text, size, fill=INK, anchor="mm"):
        self.draw.text(self._s(xy), text, font=font(size * self.SCALE), fill=fill, anchor=anchor)

    def png(self) -> bytes:
        small = self.image.resize((PICTURE_SIZE, PICTURE_SIZE), Image.Resampling.LANCZOS)
        # Flat diagrams need few colours; a palette keeps each PNG around 20-40 kB.
        small = small.quantize(colors=48, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
        out = io.BytesIO()
        small.save(out, format="PNG", optimize=True)
        return out.getvalue()

    # Small reusable icons ---------------------------------------------------

    def yen(self, cx, cy, size, color, width=None):
        # The bundled font has no "¥" glyph, so the sign is drawn.
        width = width or max(4, int(size / 8))
        h = size / 2
        self.line(
            [(cx - h * 0.7, cy - h), (cx, cy - h * 0.05), (cx + h * 0.7, cy - h)], color, width
        )
        self.line([(cx, cy - h * 0.05), (cx, cy + h)], color, width)
        for dy in (0.1, 0.45):
            self.line([(cx - h * 0.55, cy + h * dy), (cx + h * 0.55, cy + h * dy)], color, width)

    def person(self, cx, cy, r, color):
        self.circle(cx, cy - r * 0.55, r * 0.42, fill=color)
        self.pie((cx - r * 0.85, cy, cx + r * 0.85, cy + r * 1.5), 180, 360, fill=color)

    def badge(self, cx, cy, label, color=NAVY, r=34):
        self.circle(cx, cy, r, fill=color, outline=PAPER, width=4)
        self.text((cx, cy + 1), label, int(r * 1.1), fill=PAPER)

    def factory(self, cx, cy, w, color):
        h = w * 0.45
        left, right, bottom = cx - w / 2, cx + w / 2, cy + h / 2
        self.rect((right - w * 0.18, cy - h * 1.1, right - w * 0.06, bottom), fill=color)  # chimney
        teeth = [(left, cy)]
        step = w / 3
        for i in range(3):
            teeth += [(left + step * i, cy - h * 0.45), (left + step * (i + 1), cy)]
        self.polygon([*teeth, (right, bottom), (left, bottom)], fill=color)
        for i in range(3):
            x = left + step * i + step * 0.3
            self.rect((x, cy + h * 0.12, x + step * 0.4, cy + h * 0.32), fill=PAPER)

    def office(self, cx, cy, w, color):
        h = w * 1.1
        self.rect((cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2), fill=color, radius=6)
        for row in range(4):
            for col in range(3):
                x = cx - w / 2 + w * (0.14 + col * 0.28)
                y = cy - h / 2 + h * (0.1 + row * 0.2)
                self.rect((x, y, x + w * 0.16, y + h * 0.1), fill=PAPER)
        self.rect((cx - w * 0.1, cy + h * 0.3, cx + w * 0.1, cy + h / 2), fill=PAPER)

    def government(self, cx, cy, w, color):
        top, bottom = cy - w * 0.45, cy + w * 0.45
        self.polygon(
            [(cx - w / 2, top + w * 0.25), (cx, top), (cx + w / 2, top + w * 0.25)], fill=color
        )
        self.rect((cx - w / 2, top + w * 0.28, cx + w / 2, top + w * 0.36), fill=color)
        for i in range(5):
            x = cx - w * 0.42 + i * w * 0.2
            self.rect((x, top + w * 0.38, x + w * 0.1, bottom - w * 0.12), fill=color)
        self.rect((cx - w * 0.55, bottom - w * 0.1, cx + w * 0.55, bottom), fill=color)

    def shield(self, cx, cy, w, color):
        h = w * 1.15
        self.polygon(
            [
                (cx - w / 2, cy - h / 2),
                (cx + w / 2, cy - h / 2),
                (cx + w / 2, cy),
                (cx, cy + h / 2),
                (cx - w / 2, cy),
            ],
            fill=color,
        )
        self.check(cx, cy - h * 0.05, w * 0.55, PAPER)

    def check(self, cx, cy, size, color, width=None):
        width = width or max(6, int(size / 7))
        self.line(
            [
                (cx - size * 0.45, cy),
                (cx - size * 0.1, cy + size * 0.35),
                (cx + size * 0.5, cy - size * 0.35),
            ],
            color,
            width,
        )

    def cross_mark(self, cx, cy, size, color, width=None):
        width = width or max(6, int(size / 7))
        d = size / 2
        self.line([(cx - d, cy - d), (cx + d, cy + d)], color, width)
        self.line([(cx - d, cy + d), (cx + d, cy - d)], color, width)

    def passport(self, x, y, w):
        h = w * 1.4
        self.rect((x, y, x + w, y + h), fill="#7A1F2B", radius=10)
        self.circle(x + w / 2, y + h * 0.42, w * 0.22, outline=YELLOW, width=5)
        self.rect((x + w * 0.25, y + h * 0.75, x + w * 0.75, y + h * 0.8), fill=YELLOW)

    def card(self, x, y, w, number=None):
        h = w * 0.63
        self.rect(
            (x, y, x + w, y + h), fill=SKY, outline=NAVY, width=max(3, int(w / 80)), radius=w / 20
        )
        self.rect((x, y, x + w, y + h * 0.16), fill=NAVY, radius=w / 20)
        self.rect((x, y + h * 0.08, x + w, y + h * 0.16), fill=NAVY)
        px0, py0, px1, py1 = x + w * 0.68, y + h * 0.26, x + w * 0.93, y + h * 0.86
        self.rect((px0, py0, px1, py1), fill=PAPER, outline=GREY, width=2)
        self.person((px0 + px1) / 2, py0 + (py1 - py0) * 0.5, (px1 - px0) * 0.38, GREY)
        for i in range(5):
            ly = y + h * (0.3 + i * 0.12)
            self.rect(
                (x + w * 0.06, ly, x + w * (0.6 - 0.08 * (i % 2)), ly + h * 0.05),
                fill=GREY,
                radius=3,
            )
        if number:
            self.text((x + w * 0.06, y + h * 0.08), number, int(h * 0.09), fill=PAPER, anchor="lm")


def picture_org_chart() -> bytes:
    s = Sketch()
    center = (450, 450)
    nodes = {  # number: (position, drawer)
        "2": ((190, 700), lambda x, y: s.factory(x, y + 10, 210, BLUE)),
        "3": ((710, 700), lambda x, y: s.office(x, y, 130, GREEN)),
        "4": ((200, 190), lambda x, y: s.shield(x, y, 130, NAVY)),
        "5": ((700, 190), lambda x, y: s.government(x, y, 170, GREY)),
    }
    for (x, y), _ in nodes.values():
        s.dashed(center, (x, y), GREY, 5)
    s.arrow((600, 720), (320, 720), GREEN, 8)  # supervising organisation audits the employer
    s.circle(*center, 120, fill=SKY)
    s.person(450, 440, 95, NAVY)
    s.badge(545, 350, "1")
    for label, ((x, y), draw) in nodes.items():
        s.circle(x, y, 130, fill=PAPER)
        draw(x, y)
        s.badge(x + 95, y - 95, label)
    return s.png()


def picture_passport_lock() -> bytes:
    s = Sketch()
    # Documents locked in someone else's safe: prohibited.
    s.rect((250, 130, 650, 500), fill=GREY, radius=20)
    s.rect((280, 160, 620, 470), fill="#A9B1C0", radius=12)
    s.circle(560, 315, 32, fill=NAVY)
    s.passport(320, 200, 120)
    s.card(380, 330, 150)
    s.circle(450, 315, 265, outline=RED, width=34)
    s.line([(263, 128), (637, 502)], RED, 34)
    # The trainee keeps them: correct.
    s.person(300, 720, 95, NAVY)
    s.passport(430, 640, 80)
    s.card(530, 680, 130)
    s.circle(760, 720, 60, fill=GREEN)
    s.check(760, 722, 70, PAPER)
    return s.png()


def picture_residence_card() -> bytes:
    s = Sketch(LIGHT)
    s.card(90, 120, 720, number="AB 12345678 CD")
    # Wallet: carry it at all times.
    s.rect((110, 640, 330, 800), fill=NAVY, radius=18)
    s.card(140, 600, 160)
    s.rect((110, 680, 330, 800), fill=NAVY, radius=18)
    s.circle(300, 740, 14, fill=YELLOW)
    # Lost: re-issue within 14 days.
    s.rect((560, 600, 790, 810), fill=PAPER, outline=NAVY, width=5, radius=14)
    s.rect((560, 600, 790, 655), fill=RED, radius=14)
    s.rect((560, 630, 790, 655), fill=RED)
    s.text((675, 735), "14", 110, NAVY)
    s.arrow((380, 720), (520, 720), GREY, 10)
    return s.png()


def picture_timeline_14days() -> bytes:
    s = Sketch()
    left, right, axis = 90, 810, 520
    step = (right - left) / 14
    s.line([(left, axis), (right, axis)], GREY, 8)
    s.line([(left, axis), (right, axis)], GREEN, 14)
    for day in range(15):
        x = left + day * step
        big = day in (0, 7, 14)
        s.line(
            [(x, axis - (24 if big else 14)), (x, axis + (24 if big else 14))],
            NAVY,
            5 if big else 3,
        )
        if big:
            s.text((x, axis + 70), str(day), 52, NAVY)
    s.circle(right, axis, 40, outline=RED, width=10)
    # Day 0: moved into a home; day 14: the notification has reached the city office.
    home_x = left + 40
    s.polygon([(home_x - 90, 330), (home_x, 250), (home_x + 90, 330)], fill=BLUE)
    s.rect((home_x - 70, 330, home_x + 70, 440), fill=BLUE)
    s.rect((home_x - 20, 380, home_x + 20, 440), fill=PAPER)
    s.government(right - 60, 330, 200, NAVY)
    s.arrow((home_x + 130, 360), (right - 200, 360), GREEN, 10)
    s.card(330, 620, 240)
    s.arrow((600, 690), (740, 690), GREY, 8)
    s.circle(780, 690, 45, fill=GREEN)
    s.check(780, 692, 55, PAPER)
    return s.png()


def picture_clock_hours() -> bytes:
    s = Sketch()
    cx, cy, r = 270, 280, 200
    s.circle(cx, cy, r, fill=LIGHT, outline=NAVY, width=10)
    s.pie((cx - r + 12, cy - r + 12, cx + r - 12, cy + r - 12), 180, 420, fill=SKY)  # 9:00 to 17:00
    for hour in range(12):
        a = math.radians(hour * 30)
        s.line(
            [
                (cx + (r - 30) * math.sin(a), cy - (r - 30) * math.cos(a)),
                (cx + (r - 12) * math.sin(a), cy - (r - 12) * math.cos(a)),
            ],
            NAVY,
            6,
        )
    s.line([(cx, cy), (cx - 120, cy)], NAVY, 12)
    s.line([(cx, cy), (cx + 80, cy + 138)], NAVY, 8)
    s.circle(cx, cy, 14, fill=NAVY)
    s.text((680, 280), "8h", 170, BLUE)
    # One week: five working days of 8 hours, two days off.
    base, bar_w, gap, x0 = 800, 70, 28, 80
    for day in range(7):
        x = x0 + day * (bar_w + gap)
        if day < 5:
            s.rect((x, base - 240, x + bar_w, base), fill=BLUE, radius=8)
            s.text((x + bar_w / 2, base - 270), "8", 44, NAVY)
        else:
            s.rect((x, base - 16, x + bar_w, base), fill=GREY, radius=4)
    s.line([(60, base + 8), (x0 + 7 * (bar_w + gap) - gap + 20, base + 8)], NAVY, 5)
    s.text((800, 680), "40h", 96, BLUE)
    return s.png()


def picture_calendar_payday() -> bytes:
    s = Sketch()
    left, top, right, bottom = 100, 140, 800, 800
    s.rect((left, top, right, bottom), fill=PAPER, outline=NAVY, width=6, radius=24)
    s.rect((left, top, right, top + 110), fill=BLUE, radius=24)
    s.rect((left, top + 60, right, top + 110), fill=BLUE)
    for x in (240, 450, 660):
        s.rect((x - 14, top - 50, x + 14, top + 30), fill=NAVY, radius=10)
    cell_w, cell_h, first = (right - left) / 7, (bottom - top - 130) / 5, 3
    for day in range(1, 31):
        slot = first + day - 1
        col, row = slot % 7, slot // 7
        x = left + cell_w * (col + 0.5)
        y = top + 150 + cell_h * (row + 0.5) - 20
        if day == 25:
            s.circle(x, y, 46, fill=RED)
        s.text((x, y), str(day), 40, PAPER if day == 25 else (RED if col == 0 else INK))
    s.circle(760, 760, 95, fill=YELLOW, outline="#C99A10", width=8)
    s.yen(760, 760, 110, "#7A5A00")
    return s.png()


def picture_payslip() -> bytes:
    s = Sketch(LIGHT)
    left, top, right, bottom = 170, 60, 730, 850
    s.rect((left + 14, top + 14, right + 14, bottom + 14), fill="#C9D1DD", radius=16)
    s.rect((left, top, right, bottom), fill=PAPER, outline=GREY, width=3, radius=16)
    s.rect((left, top, right, top + 80), fill=NAVY, radius=16)
    s.rect((left, top + 40, right, top + 80), fill=NAVY)
    s.yen(right - 60, top + 40, 48, PAPER)
    # An Okayama month: 168 h at ¥1,047 plus 10 h overtime at ¥1,309.
    rows = [
        ("+", "175,896", INK),
        ("+", "13,090", INK),
        ("=", "188,986", NAVY),
        ("-", "9,800", RED),
        ("-", "17,300", RED),
        ("-", "1,040", RED),
        ("-", "3,500", RED),
        ("-", "15,000", RED),
    ]
    y = top + 130
    for sign, amount, color in rows:
        s.text((left + 45, y), sign, 40, color)
        s.rect((left + 80, y - 9, left + 260, y + 9), fill="#D5DAE3", radius=6)
        s.text((right - 40, y), amount, 40, color, anchor="rm")
        y += 72
        if sign == "=":
            s.line([(left + 30, y - 36), (right - 30, y - 36)], GREY, 3)
    s.line([(left + 30, y - 30), (right - 30, y - 30)], NAVY, 4)
    s.line([(left + 30, y - 20), (right - 30, y - 20)], NAVY, 4)
    s.rect((left + 20, y, right - 20, y + 90), fill="#DFF3E6", radius=12)
    s.text((left + 60, y + 45), "=", 56, GREEN)
    s.text((right - 40, y + 45), "142,346", 56, GREEN, anchor="rm")
    return s.png()


def picture_safety_helmet() -> bytes:
    s = Sketch()
    cx, cy = 400, 430
    s.pie((cx - 260, cy - 250, cx + 260, cy + 250), 180, 360, fill=YELLOW)
    s.rect((cx - 330, cy - 10, cx + 330, cy + 40), fill="#D9A800", radius=20)
    s.rect((cx - 30, cy - 250, cx + 30, cy - 10), fill="#D9A800", radius=12)
    s.circle(720, 190, 110, fill=GREEN)
    s.rect((700, 120, 740, 260), fill=PAPER)
    s.rect((650, 170, 790, 210), fill=PAPER)
    # Warning triangle and safety glasses.
    s.polygon([(230, 580), (110, 800), (350, 800)], fill=YELLOW, outline=INK, width=8)
    s.rect((220, 650, 240, 740), fill=INK, radius=6)
    s.circle(230, 770, 12, fill=INK)
    s.rect((450, 650, 590, 740), fill=SKY, outline=NAVY, width=10, radius=30)
    s.rect((620, 650, 760, 740), fill=SKY, outline=NAVY, width=10, radius=30)
    s.line([(590, 690), (620, 690)], NAVY, 10)
    return s.png()


def picture_phone_110_119() -> bytes:
    s = Sketch()
    s.rect((90, 80, 420, 820), fill=NAVY, radius=48)
    s.rect((115, 150, 395, 740), fill=LIGHT, radius=12)
    s.circle(255, 780, 22, outline=PAPER, width=5)
    for row in range(4):
        for col in range(3):
            s.circle(165 + col * 90, 250 + row * 115, 36, fill=PAPER, outline=GREY, width=3)
    s.circle(165, 250, 36, fill=BLUE)  # 1
    s.circle(165 + 90 * 2, 250 + 115 * 2, 36, fill=RED)  # 9
    s.circle(255, 250 + 115 * 3, 36, fill=GREY)  # 0
    # 110: police (blue, badge); 119: fire and ambulance (red, cross).
    s.rect((470, 110, 850, 410), fill=BLUE, radius=36)
    star = [
        (
            560 + 55 * math.cos(math.radians(-90 + i * 36)) * (1 if i % 2 == 0 else 0.45),
            260 + 55 * math.sin(math.radians(-90 + i * 36)) * (1 if i % 2 == 0 else 0.45),
        )
        for i in range(10)
    ]
    s.polygon(star, fill=YELLOW)
    s.text((720, 262), "110", 110, PAPER)
    s.rect((470, 490, 850, 790), fill=RED, radius=36)
    s.rect((538, 600, 582, 700), fill=PAPER)
    s.rect((510, 628, 610, 672), fill=PAPER)
    s.text((720, 642), "119", 110, PAPER)
    return s.png()


def picture_job_change() -> bytes:
    s = Sketch()
    s.factory(200, 260, 260, GREY)
    s.circle(310, 150, 50, fill=RED)
    s.cross_mark(310, 150, 44, PAPER, 10)
    s.factory(700, 260, 260, BLUE)
    s.circle(810, 150, 50, fill=GREEN)
    s.check(810, 152, 60, PAPER, 10)
    s.arrow((320, 330), (580, 330), GREEN, 14, 40)
    s.person(450, 470, 80, NAVY)
    s.office(450, 720, 140, GREEN)
    s.badge(540, 640, "3")
    s.dashed((380, 690), (230, 380), GREEN, 6)
    s.dashed((520, 690), (680, 380), GREEN, 6)
    return s.png()


PICTURES = {
    "org_chart": picture_org_chart,
    "passport_lock": picture_passport_lock,
    "residence_card": picture_residence_card,
    "timeline_14days": picture_timeline_14days,
    "clock_hours": picture_clock_hours,
    "calendar_payday": picture_calendar_payday,
    "payslip": picture_payslip,
    "safety_helmet": picture_safety_helmet,
    "phone_110_119": picture_phone_110_119,
    "job_change": picture_job_change,
}


@cache
def picture_png(name: str) -> bytes:
    return PICTURES[name]()


# ---------------------------------------------------------------------------
# Text fitting
#
# python-pptx cannot measure text, and PowerPoint only shrinks overflowing text after an
# edit, so font sizes are chosen here from a rough width estimate.


def is_wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in "WF"


def text_width_em(text: str) -> float:
    return sum(1.0 if is_wide(ch) else 0.55 for ch in text)


def line_height(text: str) -> float:
    # CJK fonts have taller lines than Latin ones (about 1.35 em against 1.2 em).
    return 1.35 if any(is_wide(ch) for ch in text) else 1.2


def lines_needed(text: str, size_pt: float, width_emu: int) -> int:
    width_pt = Emu(width_emu).pt
    return max(1, math.ceil(text_width_em(text) * size_pt / width_pt))


def fit_size(
    paragraphs,
    width_emu: int,
    height_emu: int,
    sizes,
    indent_emu=Inches(0.4),
    space_before=0.2,
    margin_pt=8.0,
) -> int:
    """Largest size in `sizes` at which (text, level) paragraphs fit the box.

    Defaults suit body placeholders: bullet indent per level, 20% space before each
    paragraph (the default master's spacing) and the placeholder's own insets.
    """
    inset = Inches(0.2) if margin_pt else 0
    height_pt = Emu(height_emu).pt - margin_pt
    for size in sizes:
        used = sum(
            lines_needed(text, size, width_emu - inset - indent_emu * (1 + level))
            * size
            * line_height(text)
            + size * space_before
            for text, level in paragraphs
        )
        if used <= height_pt:
            return size
    return sizes[-1]


# ---------------------------------------------------------------------------
# Deck building


class DeckBuilder:
    def __init__(self, source: dict):
        self.source = source
        self.language = source["deck"]["language"]
        self.language_id = LANGUAGE_IDS.get(self.language)
        self.prs = Presentation()

    def build(self) -> bytes:
        sections = []
        for module in self.source["modules"]:
            ids = [self.add_slide(slide).slide_id for slide in module["slides"]]
            sections.append((f"{module['code']} {module['title']}", module["code"], ids))
        add_sections(self.prs, sections)
        self.set_properties()
        buffer = io.BytesIO()
        self.prs.save(buffer)
        return normalise_zip(buffer.getvalue())

    def set_properties(self):
        deck = self.source["deck"]
        props = self.prs.core_properties
        props.title = deck["title"]
        props.subject = " / ".join(f"{m['code']} {m['title']}" for m in self.source["modules"])
        props.author = "Koshu"
        props.last_modified_by = "slides/build_decks.py"
        props.comments = (
            f"Generated from slides/source/lecture.{self.language}.toml; do not edit by hand."
        )
        props.keywords = "legal-protection lecture; " + deck.get("revision", "")
        props.language = self.language
        props.version = deck.get("revision", "")
        props.revision = 1
        props.created = props.modified = props.last_printed = FIXED_DATE

    # -- slides ---------------------------------------------------------------

    def add_slide(self, spec: dict):
        layout = spec.get("layout", "content")
        if layout == "title":
            slide = self.title_slide(spec)
        elif layout == "section":
            slide = self.section_slide(spec)
        elif is_quiz(spec):
            slide = self.quiz_slide(spec)
        else:
            slide = self.content_slide(spec)
        if spec.get("hidden"):
            slide._element.set("show", "0")
        self.set_notes(slide, spec)
        return slide

    def title_slide(self, spec):
        slide = self.prs.slides.add_slide(self.prs.slide_layouts[LAYOUT_TITLE])
        self.set_title(slide, spec["title"], sizes=(44, 40, 36))
        sub = slide.placeholders[1]
        self.fill_paragraphs(
            sub.text_frame,
            spec.get("bullets", []),
            self.fit(sub, spec.get("bullets", []), (28, 24, 20)),
        )
        return slide

    def section_slide(self, spec):
        slide = self.prs.slides.add_slide(self.prs.slide_layouts[LAYOUT_SECTION])
        self.set_title(slide, spec["title"], sizes=(40, 36, 32, 28))
        body = slide.placeholders[1]
        self.fill_paragraphs(
            body.text_frame,
            spec.get("bullets", []),
            self.fit(body, spec.get("bullets", []), (20, 18, 16, 14, 12)),
        )
        return slide

    def quiz_slide(self, spec):
        slide = self.prs.slides.add_slide(self.prs.slide_layouts[LAYOUT_CONTENT])
        self.set_title(slide, spec["title"], sizes=(36, 32, 28, 24, 20))
        body = slide.placeholders[1]
        size = self.fit(body, spec["bullets"], (28, 24, 22, 20, 18))
        # Choices carry their own "A. " labels, so the bullet glyph would be noise.
        self.fill_paragraphs(body.text_frame, spec["bullets"], size, show_bullets=False)
        return slide

    def content_slide(self, spec):
        bullets, table, picture = spec.get("bullets", []), spec.get("table"), spec.get("picture")
        layout = LAYOUT_CONTENT if bullets else LAYOUT_TITLE_ONLY
        slide = self.prs.slides.add_slide(self.prs.slide_layouts[layout])
        self.set_title(slide, spec["title"], sizes=(40, 36, 32, 28, 24))
        area = (Inches(0.5), Inches(1.7), Inches(9.0), Inches(5.3))  # left, top, width, height
        if bullets:
            body = slide.placeholders[1]
            if picture:
                body.left, body.top, body.width, body.height = (
                    area[0],
                    area[1],
                    Inches(5.7),
                    area[3],
                )
            elif table:
                # Bullets above, table below: give the bullets only the room they need.
                body.left, body.top, body.width = area[0], area[1], area[2]
                body.height = Inches(0.55) * (
                    1
                    + sum(
                        lines_needed(bullet_text(b), 22, body.width - Inches(0.4)) for b in bullets
                    )
                )
                area = (
                    area[0],
                    body.top + body.height + Inches(0.2),
                    area[2],
                    area[3] - body.height - Inches(0.2),
                )
            self.fill_paragraphs(
                body.text_frame, bullets, self.fit(body, bullets, (28, 24, 22, 20, 18, 16))
            )
        if picture:
            if bullets:
                area = (Inches(6.3), area[1], Inches(3.3), area[3])
            self.add_picture(slide, picture, area)
        if table:
            self.add_table(slide, table, area)
        return slide

    # -- pieces ---------------------------------------------------------------

    def set_title(self, slide, text, sizes):
        shape = slide.shapes.title
        size = fit_size(
            [(text, 0)], shape.width, shape.height, sizes, indent_emu=0, space_before=0, margin_pt=0
        )
        shape.text_frame.text = text
        shape.text_frame.word_wrap = True
        for run in shape.text_frame.paragraphs[0].runs:
            self.style_run(run, size)

    def fit(self, shape, bullets, sizes) -> int:
        return fit_size(
            [(bullet_text(b), bullet_level(b)) for b in bullets], shape.width, shape.height, sizes
        )

    def fill_paragraphs(self, frame, items, size, show_bullets=True):
        frame.word_wrap = True
        for index, item in enumerate(items):
            paragraph = frame.paragraphs[0] if index == 0 else frame.add_paragraph()
            paragraph.text = bullet_text(item)
            paragraph.level = bullet_level(item)
            if not show_bullets:
                pPr = paragraph._p.get_or_add_pPr()
                pPr.set("marL", "0")
                pPr.set("indent", "0")
                pPr.append(pPr.makeelement(qn("a:buNone"), {}))
            for run in paragraph.runs:
                self.style_run(run, size if paragraph.level == 0 else size - 2)

    def style_run(self, run, size):
        run.font.size = Pt(size)
        if self.language_id is not None:
            run.font.language_id = self.language_id

    def add_picture(self, slide, name, area):
        left, top, width, height = area
        side = min(width, height)
        pic = slide.shapes.add_picture(
            io.BytesIO(picture_png(name)),
            left + (width - side) // 2,
            top + (height - side) // 2,
            side,
            side,
        )
        pic.name = f"Picture {name}"
        pic._element.nvPicPr.cNvPr.set("descr", name)

    def add_table(self, slide, rows, area):
        left, top, width, height = area
        n_cols = len(rows[0])
        # Column widths follow the longest text in each column, so short columns stay narrow.
        weights = [max(4.0, max(text_width_em(r[c]) for r in rows)) for c in range(n_cols)]
        col_widths = [int(width * w / sum(weights)) for w in weights]
        size = 20
        for size in (20, 18, 16, 14, 12):
            row_heights = [self.row_height(row, col_widths, size) for row in rows]
            if sum(row_heights) <= height:
                break
        shape = slide.shapes.add_table(
            len(rows), n_cols, left, top, sum(col_widths), sum(row_heights)
        )
        table = shape.table
        for c, w in enumerate(col_widths):
            table.columns[c].width = w
        for r, row in enumerate(rows):
            table.rows[r].height = row_heights[r]
            for c, text in enumerate(row):
                cell = table.cell(r, c)
                cell.text = text
                for run in cell.text_frame.paragraphs[0].runs:
                    self.style_run(run, size)

    @staticmethod
    def row_height(row, col_widths, size) -> int:
        lines = max(
            lines_needed(text, size, w - Inches(0.2))
            for text, w in zip(row, col_widths, strict=True)
        )
        return int(Pt(size * max(map(line_height, row)) * lines) + Inches(0.12))

    def set_notes(self, slide, spec):
        lines = []
        if is_quiz(spec):
            lines += ["[quiz]", f"answer: {spec['answer']}"]
            if spec.get("explanation"):
                lines.append(f"explanation: {spec['explanation']}")
        if spec.get("notes"):
            lines += spec["notes"].strip().splitlines()
        if not lines:
            return
        frame = slide.notes_slide.notes_text_frame
        frame.text = "\n".join(lines)
        for paragraph in frame.paragraphs:
            for run in paragraph.runs:
                if self.language_id is not None:
                    run.font.language_id = self.language_id


def add_sections(prs, sections) -> None:
    """Write PowerPoint sections (p14:sectionLst), which python-pptx has no API for.

    `sections` is a list of (name, code, slide ids). Section GUIDs derive from the module
    code, so a module keeps its id across rebuilds and across languages.
    """
    items = []
    for name, code, slide_ids in sections:
        guid = f"{{{str(uuid.uuid5(SECTION_GUID_NAMESPACE, code)).upper()}}}"
        ids = "".join(f'<p14:sldId id="{sid}"/>' for sid in slide_ids)
        items.append(
            f'<p14:section name={quoteattr(name)} id="{guid}">'
            f"<p14:sldIdLst>{ids}</p14:sldIdLst></p14:section>"
        )
    ext = parse_xml(
        f'<p:ext xmlns:p="{P_NS}" uri="{SECTION_EXT_URI}">'
        f'<p14:sectionLst xmlns:p14="{P14_NS}">{"".join(items)}</p14:sectionLst></p:ext>'
    )
    presentation = prs.part._element
    ext_lst = presentation.find(qn("p:extLst"))
    if ext_lst is None:
        ext_lst = presentation.makeelement(qn("p:extLst"), {})
    presentation.append(ext_lst)  # appending also moves an existing one; extLst must be last
    for old in ext_lst.findall(qn("p:ext")):
        if old.get("uri") == SECTION_EXT_URI:
            ext_lst.remove(old)
    ext_lst.append(ext)


def normalise_zip(data: bytes) -> bytes:
    """Rewrite the package with fixed entry timestamps (python-pptx stamps the current time)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for entry in src.infolist():
            info = zipfile.ZipInfo(entry.filename, date_time=FIXED_DATE.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 0
            info.external_attr = 0o600 << 16
            dst.writestr(info, src.read(entry.filename))
    return out.getvalue()


# ---------------------------------------------------------------------------


def load_sources(source_dir: Path) -> list[dict]:
    paths = sorted(source_dir.glob("lecture.*.toml"))
    decks = {p.name.split(".")[1]: load_source(p) for p in paths}
    if MASTER_LANGUAGE not in decks:
        raise SourceError(f"{source_dir}: no lecture.{MASTER_LANGUAGE}.toml (the master)")
    master = decks.pop(MASTER_LANGUAGE)
    for deck in decks.values():
        check_translation(master, deck)
    return [master, *decks.values()]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--source", type=Path, default=HERE / "source", help="folder with lecture.<lang>.toml"
    )
    parser.add_argument(
        "--out", type=Path, default=HERE, help="folder for legal-protection.<lang>.pptx"
    )
    args = parser.parse_args(argv)
    try:
        sources = load_sources(args.source)
    except SourceError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    for source in sources:
        language = source["deck"]["language"]
        path = args.out / f"legal-protection.{language}.pptx"
        path.write_bytes(DeckBuilder(source).build())
        counts = ", ".join(f"{m['code']}: {len(m['slides'])}" for m in source["modules"])
        print(f"{path}: {counts}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
