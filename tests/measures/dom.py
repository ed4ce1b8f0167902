"""A small HTML tree for the measures tests (no third-party parser in the environment): ``parse(html)`` and
``select``/``select_one`` with descendant selectors of tags, ``#id`` and ``[attr]``/``[attr="value"]``."""

from __future__ import annotations

import re
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
SIMPLE = re.compile(r'(?P<tag>[a-z0-9]+)?(?P<id>#[\w-]+)?(?P<attrs>(\[[\w-]+(="[^"]*")?\])*)')
ATTR = re.compile(r'\[([\w-]+)(?:="([^"]*)")?\]')


class Node:
    def __init__(self, tag: str, attrs: dict, parent: Node | None):
        self.tag, self.attrs, self.parent, self.children = tag, attrs, parent, []

    def __getitem__(self, name: str) -> str:
        return self.attrs[name]

    @property
    def string(self) -> str:
        return "".join(c for c in self.children if isinstance(c, str))

    def get_text(self, sep: str = " ", strip: bool = True) -> str:
        parts = []
        for c in self.children:
            parts.append(c.strip() if isinstance(c, str) and strip else c if isinstance(c, str) else c.get_text(sep, strip))
        return sep.join(p for p in parts if p)

    def descendants(self):
        for c in self.children:
            if isinstance(c, Node):
                yield c
                yield from c.descendants()

    def _matches(self, simple: str) -> bool:
        m = SIMPLE.fullmatch(simple)
        assert m, simple
        if m["tag"] and self.tag != m["tag"]:
            return False
        if m["id"] and self.attrs.get("id") != m["id"][1:]:
            return False
        for name, value in ATTR.findall(m["attrs"] or ""):
            if name not in self.attrs or (value and self.attrs[name] != value):
                return False
        return True

    def select(self, selector: str) -> list[Node]:
        parts = re.findall(r'(?:[^\s"\[]|\[[^\]]*\])+', selector)
        found = [self]
        for part in parts:
            found = list(dict.fromkeys(d for n in found for d in n.descendants() if d._matches(part)))
        return found

    def select_one(self, selector: str) -> Node | None:
        found = self.select(selector)
        return found[0] if found else None


class _Builder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = self.current = Node("#root", {}, None)

    def handle_starttag(self, tag, attrs):
        node = Node(tag, {k: v or "" for k, v in attrs}, self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_endtag(self, tag):
        node = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)


def parse(html: str) -> Node:
    builder = _Builder()
    builder.feed(html)
    return builder.root
