"""Seeded mutations of a good deck: the damage real files and hostile uploads carry.

Each mutation takes a random generator and a deck's bytes and returns other bytes: truncated,
bytes flipped, XML parts damaged, parts dropped, ids duplicated, relationships pointing at the
wrong part, numbers that are not numbers. The same seed always gives the same decks.
"""

from __future__ import annotations

import io
import random
import re
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

Mutation = Callable[[random.Random, bytes], bytes]


def unpack(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def pack(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return out.getvalue()


def _xml_names(parts: dict[str, bytes]) -> list[str]:
    return sorted(name for name in parts if name.endswith((".xml", ".rels")))


def truncate(rng: random.Random, data: bytes) -> bytes:
    return data[: rng.randrange(1, len(data))]


def flip_bytes(rng: random.Random, data: bytes) -> bytes:
    damaged = bytearray(data)
    for _ in range(rng.randint(1, 16)):
        damaged[rng.randrange(len(damaged))] ^= 1 << rng.randrange(8)
    return bytes(damaged)


def damage_xml(rng: random.Random, data: bytes) -> bytes:
    """Flip bytes inside one XML part, or cut it short, in an otherwise sound zip."""
    parts = unpack(data)
    name = rng.choice(_xml_names(parts))
    content = bytearray(parts[name])
    if rng.random() < 0.5:
        del content[rng.randrange(len(content)) :]
    else:
        for _ in range(rng.randint(1, 4)):
            content[rng.randrange(len(content))] = rng.choice(b"<>&\"'=/x0 \xff")
    parts[name] = bytes(content)
    return pack(parts)


def drop_part(rng: random.Random, data: bytes) -> bytes:
    parts = unpack(data)
    optional = [name for name in parts if name != "[Content_Types].xml"]
    del parts[rng.choice(optional)]
    return pack(parts)


def duplicate_ids(rng: random.Random, data: bytes) -> bytes:
    """Give two slides, two shapes or two relationships the same id."""
    parts = unpack(data)
    choice = rng.randrange(3)
    if choice == 0:
        name, pattern = "ppt/presentation.xml", rb'<p:sldId id="(\d+)"'
    elif choice == 1:
        name = rng.choice([n for n in parts if re.match(r"ppt/slides/slide\d+\.xml$", n)])
        pattern = rb'<p:cNvPr id="(\d+)"'
    else:
        name = rng.choice([n for n in parts if n.startswith("ppt/slides/_rels/")])
        pattern = rb'Id="(rId\d+)"'
    ids = re.findall(pattern, parts[name])
    if len(ids) >= 2:
        first = ids[0]
        parts[name] = re.sub(pattern, lambda m: m.group(0).replace(m.group(1), first), parts[name])
    return pack(parts)


def wrong_relationship(rng: random.Random, data: bytes) -> bytes:
    """Point one relationship at a missing part, another part, or outside the package."""
    parts = unpack(data)
    name = rng.choice([n for n in parts if n.endswith(".rels")])
    targets = re.findall(rb'Target="([^"]*)"', parts[name])
    if not targets:
        return pack(parts)
    old = rng.choice(targets)
    new = rng.choice(
        [b"missing.xml", b"../media/none.png", b"../slides/slide1.xml", b"/ppt/presentation.xml"]
    )
    content = parts[name].replace(b'Target="' + old + b'"', b'Target="' + new + b'"', 1)
    if rng.random() < 0.3:
        content = content.replace(b"/>", b' TargetMode="External"/>', 1)
    parts[name] = content
    return pack(parts)


def garbage_numbers(rng: random.Random, data: bytes) -> bytes:
    """Replace numbers the reader converts (positions, sizes, ids, levels) with non-numbers."""
    parts = unpack(data)
    name = rng.choice(
        [n for n in parts if re.match(r"ppt/(slides|slideLayouts|presentation)", n)]
        or _xml_names(parts)
    )
    attribute = rng.choice([b"x", b"y", b"cx", b"idx", b"lvl", b"id", b"srcOrd"])
    value = rng.choice([b"abc", b"-1", b"", b"1e99", b"99999999999999999999999"])
    parts[name] = re.sub(
        rb"(\s" + attribute + rb'=")[^"]*(")',
        lambda m: m.group(1) + value + m.group(2),
        parts[name],
    )
    return pack(parts)


MUTATIONS: dict[str, Mutation] = {
    "truncate": truncate,
    "flip-bytes": flip_bytes,
    "damage-xml": damage_xml,
    "drop-part": drop_part,
    "duplicate-ids": duplicate_ids,
    "wrong-relationship": wrong_relationship,
    "garbage-numbers": garbage_numbers,
}


def mutated(
    bases: list[Path], folder: Path, *, per_kind: int, seed: int
) -> Iterator[tuple[str, Path]]:
    """Yield (label, path) for ``per_kind`` mutations of each kind of each base deck."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for base in bases:
        data = base.read_bytes()
        for kind, mutate in MUTATIONS.items():
            for index in range(per_kind):
                label = f"{base.stem}-{kind}-{index}"
                path = folder / f"{label}.pptx"
                path.write_bytes(mutate(rng, data))
                yield label, path
