"""Reads an Atom document from stdin twice, independently of the server: with feedparser (the
feed readers' parser; any well-formedness problem sets `bozo`) and with the standard library's
XML parser against the elements RFC 4287 requires (atom:id, atom:title and atom:updated on the
feed and on every entry; an author on each entry or on the feed; a link or content per entry).
Prints {"problems": [...], "title", "language", "entries": [{"id", "title", "link", "updated",
"tags"}]} as JSON."""

import json
import sys
import xml.etree.ElementTree as ET
from datetime import datetime

import feedparser

ATOM = "{http://www.w3.org/2005/Atom}"

text = sys.stdin.buffer.read()
problems = []
parsed = feedparser.parse(text)
if parsed.bozo:
    problems.append(f"feedparser: {parsed.bozo_exception}")
if parsed.version != "atom10":
    problems.append(f"feedparser reads it as {parsed.version!r}, not atom10")

root = ET.fromstring(text)
if root.tag != f"{ATOM}feed":
    problems.append(f"root element is {root.tag}")


def required(element, where):
    for name in ("id", "title", "updated"):
        child = element.find(f"{ATOM}{name}")
        if child is None or not (child.text or "").strip():
            problems.append(f"{where}: no atom:{name}")
        elif name == "updated":
            try:
                datetime.fromisoformat(child.text.strip().replace("Z", "+00:00"))
            except ValueError:
                problems.append(f"{where}: atom:updated {child.text!r} is not an RFC 3339 date")


required(root, "feed")
feed_has_author = root.find(f"{ATOM}author") is not None
for i, entry in enumerate(root.findall(f"{ATOM}entry")):
    required(entry, f"entry {i}")
    if not feed_has_author and entry.find(f"{ATOM}author") is None:
        problems.append(f"entry {i}: no atom:author")
    if entry.find(f"{ATOM}link[@rel='alternate']") is None and entry.find(f"{ATOM}content") is None:
        problems.append(f"entry {i}: neither an alternate link nor content")

print(json.dumps({
    "problems": problems,
    "title": parsed.feed.get("title"),
    "language": parsed.feed.get("language"),
    "entries": [
        {
            "id": e.get("id"),
            "title": e.get("title"),
            "link": e.get("link"),
            "updated": e.get("updated"),
            "summary": e.get("summary"),
            "content": [c.get("value") for c in e.get("content", [])],
            "tags": [t.get("term") for t in e.get("tags", [])],
            "tag_labels": [t.get("label") for t in e.get("tags", [])],
        }
        for e in parsed.entries
    ],
}, ensure_ascii=False))
