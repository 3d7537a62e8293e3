"""Reads a sitemap from stdin with the standard library's XML parser, independently of the
server, against the sitemaps.org 0.9 protocol and Google's hreflang extension: a `urlset` root,
a `loc` (an absolute http(s) address, at most 2,048 characters) in every `url`, a `lastmod` that
is a W3C date when present, and `xhtml:link rel="alternate"` elements each with an `hreflang`
and an absolute `href`. Prints {"problems": [...], "urls": [{"loc", "lastmod", "alternates":
{hreflang: href}}]} as JSON."""

import json
import sys
import xml.etree.ElementTree as ET
from datetime import date

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
XHTML = "{http://www.w3.org/1999/xhtml}"

root = ET.fromstring(sys.stdin.buffer.read())
problems = []
if root.tag != f"{SITEMAP}urlset":
    problems.append(f"root element is {root.tag}")
urls = []
for url in root.findall(f"{SITEMAP}url"):
    loc = url.findtext(f"{SITEMAP}loc") or ""
    if not loc.startswith(("http://", "https://")) or len(loc) > 2048:
        problems.append(f"bad loc {loc!r}")
    lastmod = url.findtext(f"{SITEMAP}lastmod")
    if lastmod is not None:
        try:
            date.fromisoformat(lastmod)
        except ValueError:
            problems.append(f"{loc}: lastmod {lastmod!r} is not a W3C date")
    alternates = {}
    for link in url.findall(f"{XHTML}link"):
        href = link.get("href") or ""
        if link.get("rel") != "alternate" or not link.get("hreflang"):
            problems.append(f"{loc}: a link without rel=alternate and hreflang")
        if not href.startswith(("http://", "https://")):
            problems.append(f"{loc}: alternate {href!r} is not absolute")
        alternates[link.get("hreflang")] = href
    urls.append({"loc": loc, "lastmod": lastmod, "alternates": alternates})
print(json.dumps({"problems": problems, "urls": urls}))
