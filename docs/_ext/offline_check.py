"""Fail the HTML build when a page loads a script, stylesheet or font from another host.

The docs promise an offline build (``make docs``): every asset a page needs must
ship in ``_build/html``. After the build, each page's ``<script src>``,
``<link href>`` and ``<img src>`` is read; a URL with a scheme (``https:``) or a
protocol-relative one (``//cdn...``) is reported and the build fails.
Plain links (``<a href>``) to other sites are fine: they are navigation, not assets.
"""
import os
import re
from html.parser import HTMLParser

from sphinx.errors import ExtensionError

#: (tag, attribute) pairs whose URL the browser fetches when it renders the page.
ASSET_ATTRIBUTES = {("script", "src"), ("link", "href"), ("img", "src"), ("iframe", "src")}
REMOTE_URL = re.compile(r"^([a-z][a-z0-9+.-]*:|//)", re.IGNORECASE)


class _AssetCollector(HTMLParser):
    """Collects the fetched URLs of one page."""

    def __init__(self):
        super().__init__()
        self.urls = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if (tag, name) in ASSET_ATTRIBUTES and value:
                self.urls.append(value)


def remote_assets(html_text):
    """URLs of the assets in ``html_text`` that a browser would fetch from another host."""
    collector = _AssetCollector()
    collector.feed(html_text)
    return [url for url in collector.urls
            if REMOTE_URL.match(url) and not url.lower().startswith("data:")]


def _pages(outdir):
    for root, _, files in os.walk(outdir):
        for name in files:
            if name.endswith(".html"):
                yield os.path.join(root, name)


def check_offline(app, exception):
    """``build-finished`` handler: raise if any HTML page needs the network."""
    if exception is not None or app.builder.format != "html":
        return
    offenders = []
    for page in _pages(app.outdir):
        with open(page, encoding="utf-8") as handle:
            for url in remote_assets(handle.read()):
                offenders.append("%s: %s" % (os.path.relpath(page, app.outdir), url))
    if offenders:
        raise ExtensionError("the docs must render offline, but %i asset(s) come from another "
                             "host:\n  %s" % (len(offenders), "\n  ".join(offenders[:20])))


def setup(app):
    app.connect("build-finished", check_offline, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
