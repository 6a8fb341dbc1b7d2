"""The parts of a .pptx package, read lazily: XML trees, relationships and content types.

Only the parts a slide needs are unpacked and parsed (its layout, notes, pictures, SmartArt
data, charts), unlike python-pptx, which loads and parses every part of the package when it
opens one. ``mc:AlternateContent`` is resolved as a reader must: the first ``mc:Choice``
whose requirements are understood here, else the ``mc:Fallback``.
"""

from __future__ import annotations

import functools
import posixpath
import zipfile
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

NS = {
    "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
    "a14": "http://schemas.microsoft.com/office/drawing/2010/main",
    "c": "http://schemas.openxmlformats.org/drawingml/2006/chart",
    "dgm": "http://schemas.openxmlformats.org/drawingml/2006/diagram",
    "m": "http://schemas.openxmlformats.org/officeDocument/2006/math",
    "mc": "http://schemas.openxmlformats.org/markup-compatibility/2006",
    "p": "http://schemas.openxmlformats.org/presentationml/2006/main",
    "p14": "http://schemas.microsoft.com/office/powerpoint/2010/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
}
_CT = "{http://schemas.openxmlformats.org/package/2006/content-types}"
_RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
_ALTERNATE = f"{{{NS['mc']}}}AlternateContent"
_CHOICE = f"{{{NS['mc']}}}Choice"
_FALLBACK = f"{{{NS['mc']}}}Fallback"
# The markup a Choice may require that this reader understands: equations (a14:m). Anything
# else (ink, 3D models, zoom, newer picture effects, OLE's VML) is read from its Fallback.
UNDERSTOOD = frozenset({NS["a14"]})
# Entities are never resolved and nothing is fetched; huge_tree stays off (lxml's depth and
# size limits apply). The container check refuses any DTD before this parser sees a part.
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


@functools.cache
def q(tag: str) -> str:
    """Return Clark notation for ``prefix:name`` (cached: readers call it per shape)."""
    prefix, _, name = tag.partition(":")
    return f"{{{NS[prefix]}}}{name}"


class PartMissing(Exception):
    """A part named by a relationship or by the package is not in the file."""


@dataclass(frozen=True)
class Rel:
    type: str  # the last segment of the relationship type, e.g. "image", "slideLayout"
    target: str  # the part's name inside the zip, or the URL of an external target
    external: bool


def _chosen(alternate: etree._Element) -> etree._Element | None:
    for choice in alternate.iterchildren(_CHOICE):
        prefixes = (choice.get("Requires") or "").split()
        if prefixes and all(choice.nsmap.get(prefix) in UNDERSTOOD for prefix in prefixes):
            return choice
    return next(alternate.iterchildren(_FALLBACK), None)


def resolve_alternates(root: etree._Element) -> None:
    """Replace every ``mc:AlternateContent`` in the tree by the content of its chosen branch."""
    for alternate in list(root.iter(_ALTERNATE)):
        parent = alternate.getparent()
        # An alternate inside a branch that was dropped is no longer under the root.
        ancestors = list(alternate.iterancestors())
        if parent is None or ancestors[-1] is not root:
            continue
        branch = _chosen(alternate)
        index = parent.index(alternate)
        parent.remove(alternate)
        for offset, child in enumerate(list(branch) if branch is not None else []):
            parent.insert(index + offset, child)


class Package:
    """A .pptx opened for reading; parts are unpacked and parsed when first asked for."""

    def __init__(self, path: Path, parts: dict[str, bytes] | None = None) -> None:
        """Open the zip, or take its parts already unpacked (by ``safety.check_package``)."""
        self._parts = parts
        self._zip = zipfile.ZipFile(path) if parts is None else None
        names = list(parts) if parts is not None else self._zip.namelist()  # type: ignore[union-attr]
        self._names = set(names)
        # Part names are case-insensitive in a package (OPC); some writers' relationships
        # differ in case from the zip entry they name.
        self._folded = {name.lower(): name for name in names}
        self._xml: dict[str, etree._Element] = {}
        self._rels: dict[str, dict[str, Rel]] = {}
        self._types: tuple[dict[str, str], dict[str, str]] | None = None

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()

    def __enter__(self) -> Package:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def blob(self, name: str) -> bytes:
        if name not in self._names:
            found = self._folded.get(name.lower())
            if found is None:
                raise PartMissing(name)
            name = found
        if self._parts is not None:
            return self._parts[name]
        return self._zip.read(name)  # type: ignore[union-attr]

    def xml(self, name: str) -> etree._Element:
        """Return the part's parsed root, with alternate content already resolved."""
        root = self._xml.get(name)
        if root is None:
            root = etree.fromstring(self.blob(name), _PARSER)
            resolve_alternates(root)
            self._xml[name] = root
        return root

    def forget(self, name: str) -> None:
        """Drop a parsed part that will not be asked for again (a slide, its notes)."""
        self._xml.pop(name, None)

    def rels(self, name: str) -> dict[str, Rel]:
        """Return the part's relationships by id; a part without a .rels file has none."""
        found = self._rels.get(name)
        if found is None:
            folder, _, base = name.rpartition("/")
            rels_name = f"{folder}/_rels/{base}.rels" if folder else f"_rels/{base}.rels"
            found = {}
            rels_name = self._folded.get(rels_name.lower(), rels_name)
            if rels_name in self._names:
                for rel in etree.fromstring(self.blob(rels_name), _PARSER).iter(_RELS):
                    target = rel.get("Target") or ""
                    external = rel.get("TargetMode") == "External"
                    if not external:
                        target = (
                            target.lstrip("/")
                            if target.startswith("/")
                            else posixpath.normpath(posixpath.join(folder, target))
                        )
                    kind = (rel.get("Type") or "").rpartition("/")[2]
                    found[rel.get("Id") or ""] = Rel(kind, target, external)
            self._rels[name] = found
        return found

    def related(self, name: str, kind: str) -> str | None:
        """Return the name of the first part related to ``name`` by a relationship of ``kind``."""
        return next((rel.target for rel in self.rels(name).values() if rel.type == kind), None)

    def content_type(self, name: str) -> str:
        if self._types is None:
            defaults: dict[str, str] = {}
            overrides: dict[str, str] = {}
            root = etree.fromstring(self.blob("[Content_Types].xml"), _PARSER)
            for item in root.iter(f"{_CT}Default"):
                defaults[(item.get("Extension") or "").lower()] = item.get("ContentType") or ""
            for item in root.iter(f"{_CT}Override"):
                overrides[(item.get("PartName") or "").lower()] = item.get("ContentType") or ""
            self._types = (defaults, overrides)
        defaults, overrides = self._types
        return overrides.get("/" + name.lower()) or defaults.get(
            name.rpartition(".")[2].lower(), ""
        )
