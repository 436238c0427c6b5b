"""Reading the written HTML back with the standard library's parser."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path


class _Sections(HTMLParser):
    """The text of every ``<section id=...>`` (scripts would be text too: there must be none)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.order: list[str] = []
        self.text: dict[str, list[str]] = {}
        self.current: str | None = None
        self.depth = 0
        self.tags: list[str] = []
        self.all_text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag == "section":
            if self.current is None:
                self.current = dict(attrs).get("id") or ""
                self.order.append(self.current)
                self.text[self.current] = []
            self.depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "section" and self.current is not None:
            self.depth -= 1
            if self.depth == 0:
                self.current = None

    def handle_data(self, data: str) -> None:
        self.all_text.append(data)
        if self.current is not None:
            self.text[self.current].append(data)


class Page:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.html = path.read_text(encoding="utf-8")
        parser = _Sections()
        parser.feed(self.html)
        parser.close()
        self.order = parser.order
        self.tags = parser.tags
        self.text = re.sub(r"\s+", " ", " ".join(parser.all_text)).strip()
        self._text = {k: re.sub(r"\s+", " ", " ".join(v)).strip() for k, v in parser.text.items()}

    def section(self, section_id: str) -> str:
        """The section's text, whitespace collapsed, character references decoded."""
        return self._text[section_id]

    def svgs(self) -> list[str]:
        return re.findall(r"<svg\b.*?</svg>", self.html, flags=re.DOTALL)


def assert_in(section_text: str, *expected: str) -> None:
    missing = [e for e in expected if e not in section_text]
    assert not missing, f"missing {missing} in: {section_text[:3000]}"
