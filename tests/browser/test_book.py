"""The built book, as a reader's browser shows it, with no network beyond loopback.

The book is built with tools/build_book.py unless book/_build/html is newer than every input
(book sources, notebooks, the package, the build script). It is served from 127.0.0.1; every
request to another host is recorded and aborted, so a page that still needs a CDN fails here
instead of silently degrading (raw TeX, blank widgets).
"""

from __future__ import annotations

import functools
import http.server
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
BOOK = ROOT / "book"
HTML = BOOK / "_build" / "html"
CHAPTER_1 = "notebooks/01a_microservice_systems.html"
# Each chapter page, with the controls its saved widget must show.
CHAPTERS = {
    CHAPTER_1: {".widget-dropdown select": 1},
    "notebooks/01b_availability.html": {},  # no widget: figures and tables
    "notebooks/02a_design_principles.html": {},  # no widget: figures and tables
    "notebooks/02b_decomposing_a_monolith.html": {".widget-dropdown select": 1,
                                                  ".widget-slider": 4},
    "notebooks/03a_registry_and_health.html": {".widget-dropdown select": 3,
                                               ".widget-button": 8, ".msa-tile": 4},
    "notebooks/03b_balancing_and_patterns.html": {},  # no widget: figures and tables
    "notebooks/04a_the_front_door.html": {},  # no widget: tables and checkers
    "notebooks/04b_limits_caches_fan_out.html": {".widget-dropdown select": 2,
                                                 ".widget-slider": 3},
    "notebooks/90_check_a_system.html": {},  # no widget: a report and a figure
}
CATALOGUE = "appendix/catalogue.html"
EXERCISES = "appendix/exercises.html"
EXPECTED_STATEMENTS = 59

# Uncaught errors that stock Jupyter Book 1 pages raise by themselves: sphinx-thebe 0.3.1
# writes its `const THEBE_JS_URL` script twice. Nothing in the book depends on it.
KNOWN_PAGE_ERRORS = ("Identifier 'THEBE_JS_URL' has already been declared",)


def book_inputs() -> list[Path]:
    patterns = [
        (BOOK, "*.md"),
        (BOOK, "*.yml"),
        (ROOT / "notebooks", "*.ipynb"),
        (ROOT / "msatheory", "**/*.py"),
        (ROOT / "tools", "build_book.py"),
        (BOOK / "_assets", "*.css"),
    ]
    return [path for base, pattern in patterns for path in base.glob(pattern)]


def build_is_fresh() -> bool:
    marker = HTML / CHAPTER_1
    if not marker.is_file():
        return False
    built = min(
        marker.stat().st_mtime,
        (HTML / CATALOGUE).stat().st_mtime if (HTML / CATALOGUE).is_file() else 0,
    )
    return all(path.stat().st_mtime <= built for path in book_inputs())


@pytest.fixture(scope="module")
def built_book() -> Path:
    if not build_is_fresh():
        started = time.time()
        result = subprocess.run(
            [sys.executable, str(ROOT / "tools" / "build_book.py")],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            output = (result.stdout + result.stderr)[-6000:]
            pytest.fail(f"tools/build_book.py failed (exit {result.returncode}):\n{output}")
        print(f"book built in {time.time() - started:.1f} s")
    return HTML


@pytest.fixture(scope="module")
def site(built_book: Path) -> Iterator[str]:
    class QuietHandler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

    handler = functools.partial(QuietHandler, directory=str(built_book))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture(scope="module")
def local_assets(built_book: Path) -> None:
    chapter = (built_book / CHAPTER_1).read_text(encoding="utf-8")
    if "_static/offline/mathjax/" not in chapter:
        pytest.skip(
            "the book was built with CDN assets (npm unavailable, or --cdn), so it cannot render "
            "offline; install npm and rebuild to check it"
        )


def offline(page) -> list[str]:
    """Abort and record every request that leaves the loopback interface."""
    remote: list[str] = []

    def handle(route) -> None:
        url = route.request.url
        if urlsplit(url).scheme in {"http", "https", "ws", "wss"} and (
            urlsplit(url).hostname not in LOOPBACK_HOSTS
        ):
            remote.append(url)
            route.abort()
        else:
            route.continue_()

    page.route("**/*", handle)
    return remote


def unexpected_errors(page) -> list[str]:
    return [e for e in page.errors if not any(known in e for known in KNOWN_PAGE_ERRORS)]


def assert_math_typeset(page) -> int:
    """Every MyST math node holds MathJax output and no TeX delimiters are left in the prose."""
    page.wait_for_function(
        "() => window.MathJax && MathJax.startup && MathJax.startup.promise", timeout=20_000
    )
    page.evaluate("() => MathJax.startup.promise")
    report = page.evaluate(
        """() => {
          const nodes = [...document.querySelectorAll('span.math, div.math')];
          const untypeset = nodes.filter(n => !n.querySelector('mjx-container'))
                                 .map(n => n.textContent.slice(0, 80));
          const article = document.querySelector('article') || document.body;
          const prose = article.cloneNode(true);
          prose.querySelectorAll('pre, code, script, style, textarea, mjx-container, '
                                 + '.cell_input, .highlight').forEach(n => n.remove());
          const text = prose.textContent;
          const raw = ['$$', '\\\\(', '\\\\[', '\\\\begin{'].filter(d => text.includes(d));
          return {
            typeset: document.querySelectorAll('mjx-container').length,
            nodes: nodes.length, untypeset, raw,
          };
        }"""
    )
    assert not report["untypeset"], f"math left as TeX: {report['untypeset']}"
    assert not report["raw"], f"raw TeX delimiters in the page text: {report['raw']}"
    return report["typeset"]


def assert_images_render(page) -> int:
    # Bring every image into view (lazy loading), then wait until all have finished loading.
    page.evaluate("() => [...document.images].forEach(i => { i.loading = 'eager'; })")
    page.evaluate("() => window.scrollTo(0, document.body.scrollHeight)")
    page.wait_for_function("() => [...document.images].every(i => i.complete)")
    images = page.evaluate(
        "() => [...document.images].map(i => ({src: i.src.slice(0, 100), w: i.naturalWidth}))"
    )
    broken = [image["src"] for image in images if image["w"] == 0]
    assert not broken, f"images that did not render: {broken}"
    # A matplotlib figure whose notebook output kept only its text/plain repr shows up as
    # "<Figure size 640x480 with 1 Axes>" instead of a picture.
    unrendered = page.evaluate(
        """(pattern) => [...document.querySelectorAll('.cell_output pre')]
             .map(p => p.textContent.trim())
             .filter(t => new RegExp(pattern).test(t))""",
        r"^<(matplotlib\.figure\.)?Figure size [\d.]+x[\d.]+ with \d+ Axes>$",
    )
    assert not unrendered, (
        f"{len(unrendered)} figure output(s) stored as text only, no image: {unrendered}"
    )
    return len(images)


def assert_widgets_render(page, chapter: str) -> None:
    """The chapter's saved widget state is there and draws its controls and figure."""
    state = page.locator('script[type="application/vnd.jupyter.widget-state+json"]')
    assert state.count() == 1, (
        f"the notebook behind {chapter} carries no saved widget state: re-execute it with "
        "`make notebooks` (nbclient store_widget_state=True)"
    )
    page.wait_for_selector(".jupyter-widgets", timeout=20_000)
    for control, least in CHAPTERS[chapter].items():
        page.locator(control).first.wait_for(timeout=20_000)
        assert page.locator(control).count() >= least, f"fewer than {least} {control} shown"
    select = page.locator(".widget-dropdown select").first
    assert select.locator("option").count() >= 2, "the widget's dropdown has no choices"
    figure = page.locator(".widget-output img, img.widget-image").first
    figure.wait_for(timeout=20_000)
    assert figure.evaluate("i => i.complete && i.naturalWidth > 0"), "widget figure is blank"
    shown = figure.evaluate("i => [i.getBoundingClientRect().width, i.naturalWidth]")
    assert shown[0] == shown[1], f"the widget figure is scaled from {shown[1]} to {shown[0]} px"


@pytest.mark.parametrize("chapter", sorted(CHAPTERS))
def test_chapter_renders_offline(page, site: str, local_assets: None, chapter: str) -> None:
    remote = offline(page)
    page.goto(f"{site}/{chapter}", wait_until="load")
    assert page.locator("h1").count() >= 1, f"{chapter} has no title"

    page.wait_for_selector("mjx-container", state="attached", timeout=20_000)
    typeset = assert_math_typeset(page)

    if CHAPTERS[chapter]:
        assert_widgets_render(page, chapter)

    count = assert_images_render(page)
    assert count >= 1
    # book/_config.yml leaves repository.url unset: no launch button (Binder, JupyterHub).
    assert page.locator("a[href*='mybinder.org'], a[href*='hub/user-redirect']").count() == 0
    assert not remote, f"requests left the loopback interface: {remote}"
    assert not unexpected_errors(page), f"uncaught JavaScript errors: {unexpected_errors(page)}"
    print(f"{chapter}: {typeset} formulas typeset, {count} images rendered")


def test_appendix_lists_every_statement(page, site: str, local_assets: None) -> None:
    remote = offline(page)
    page.goto(f"{site}/{CATALOGUE}", wait_until="load")
    rows = page.locator("article table tbody tr")
    assert rows.count() == EXPECTED_STATEMENTS, (
        f"the catalogue lists {rows.count()} statements, expected {EXPECTED_STATEMENTS}"
    )
    if page.locator("span.math, div.math").count():
        assert_math_typeset(page)
    assert not remote, f"requests left the loopback interface: {remote}"
    assert not unexpected_errors(page), f"uncaught JavaScript errors: {unexpected_errors(page)}"


def test_exercises_page_links_every_exercise(page, site: str, local_assets: None) -> None:
    from msatheory.exercises import exercises

    remote = offline(page)
    page.goto(f"{site}/{EXERCISES}", wait_until="load")
    rows = page.locator("article table tbody tr")
    assert rows.count() == len(exercises())
    links = page.locator("article table tbody tr td:first-child a")
    assert links.count() == len(exercises()), "an exercise is not linked to its lesson"
    for href in links.evaluate_all("links => links.map(a => a.getAttribute('href'))"):
        assert href.startswith("../notebooks/") and "#exercise-" in href, href
    assert not remote, f"requests left the loopback interface: {remote}"


# Widths a reader's browser has: a phone (390 CSS px, an iPhone 12 to 15) and a laptop.
WIDTHS = {"phone": 390, "laptop": 1280}
# The wide blocks each width must scroll inside the page: the catalogue's and the errata
# index's tables, the errata's counterexamples, and a lesson's stored outputs.
WIDE_PAGES = (CATALOGUE, "appendix/errata.html", "appendix/glossary.html",
              "notebooks/04b_limits_caches_fan_out.html")

# Where the document scrolls sideways, and which elements of the page's main column stick
# out of the window with no scrolling block around them to hold them: an element clipped by
# an ancestor's overflow: hidden (the theme's inline math, for one) counts, since the reader
# cannot see its end. Off-canvas drawers (position: fixed) are not part of the column.
LAYOUT = """() => {
  const root = document.scrollingElement || document.documentElement;
  const main = document.querySelector('main') || document.body;
  const width = root.clientWidth;
  const scrolls = e => ['auto', 'scroll'].includes(getComputedStyle(e).overflowX);
  const placed = e => {
    let held = false;
    for (let a = e; a && a !== document.body; a = a.parentElement) {
      if (getComputedStyle(a).position === 'fixed') return 'drawer';
      if (a !== e && scrolls(a)) held = true;
    }
    return held ? 'held' : 'free';
  };
  const out = [...main.querySelectorAll('*')].filter(e => {
    const r = e.getBoundingClientRect();
    return r.width > 0 && r.right > width + 1 && placed(e) === 'free';
  }).map(e => `${e.tagName.toLowerCase()}.${[...e.classList].join('.')} `
              + `(right edge ${Math.round(e.getBoundingClientRect().right)} px)`);
  const blocks = [...main.querySelectorAll('*')]
    .filter(e => scrolls(e) && e.scrollWidth > e.clientWidth + 1 && e.clientWidth > 0);
  return {scrollWidth: root.scrollWidth, clientWidth: width, out: out.slice(0, 5),
          blocks: blocks.length};
}"""

# Scroll every wide block by 40 px and report those that did not move.
SCROLL_BLOCKS = """() => {
  const article = document.querySelector('main') || document.body;
  const scrolls = e => ['auto', 'scroll'].includes(getComputedStyle(e).overflowX);
  const blocks = [...article.querySelectorAll('*')]
    .filter(e => scrolls(e) && e.scrollWidth > e.clientWidth + 1 && e.clientWidth > 0);
  const stuck = blocks.filter(e => { e.scrollLeft = 40; return e.scrollLeft === 0; })
    .map(e => e.tagName.toLowerCase() + '.' + [...e.classList].join('.'));
  const kinds = new Set(blocks.map(e => e.querySelector('table') || e.tagName === 'TABLE'
    ? 'table' : e.querySelector('pre') || e.tagName === 'PRE' ? 'pre' : 'other'));
  return {blocks: blocks.length, stuck, kinds: [...kinds].sort()};
}"""


#: Highlighted module sources (viewcode) checked: all share one template, so the widest
#: lines stand for the rest.
SOURCES_CHECKED = 3


def built_pages(html: Path) -> list[str]:
    """Every page of the built book: the toc's, the API reference and the generated
    indexes, and of the highlighted module sources (viewcode) the :data:`SOURCES_CHECKED`
    with the longest lines; not the theme's own files, nor index.html, which only
    redirects to the introduction."""
    pages = [p for p in html.rglob("*.html")
             if p.relative_to(html).parts[0] not in {"_static", "_sources"}
             and 'http-equiv="refresh"' not in p.read_text(encoding="utf-8")[:2000].lower()]
    sources = [p for p in pages if p.relative_to(html).parts[0] == "_modules"]
    widest = sorted(sources, key=lambda p: -max(map(len, p.read_text(
        encoding="utf-8").splitlines())))[:SOURCES_CHECKED]
    return sorted(str(p.relative_to(html)) for p in pages
                  if p not in sources or p in widest)


def settle(page) -> None:
    """Wait for what changes a page's width after load: MathJax's typesetting and the
    widgets drawn from their saved state."""
    if page.evaluate("() => !!(window.MathJax && MathJax.startup && MathJax.startup.promise)"):
        page.evaluate("() => MathJax.startup.promise")
    if page.locator('script[type="application/vnd.jupyter.widget-state+json"]').count():
        page.wait_for_selector(".jupyter-widgets", timeout=20_000)
        page.wait_for_function("() => [...document.images].every(i => i.complete)")


def test_no_page_scrolls_sideways(browser, built_book: Path, site: str,
                                  local_assets: None) -> None:
    """At a laptop's and a phone's width, no page of the book is wider than the window:
    wide tables, outputs, code and math scroll inside their own block. Each page is loaded
    once, at the laptop's width, then narrowed to the phone's."""
    context = browser.new_context(viewport={"width": WIDTHS["laptop"], "height": 800})
    context.set_default_timeout(30_000)
    page = context.new_page()
    # Abort what leaves the loopback interface, as offline() does, but without a Python
    # round trip for every local request: a hundred pages load thousands of files.
    remote: list[str] = []
    page.route(re.compile(r"^(https?|wss?)://(?!(127\.0\.0\.1|localhost|\[::1\])[:/])"),
               lambda route: (remote.append(route.request.url), route.abort()))
    pages = built_pages(built_book)
    assert len(pages) > len(CHAPTERS)
    wide: list[str] = []
    scrolling = dict.fromkeys(WIDTHS, 0)
    try:
        for name in pages:
            page.set_viewport_size({"width": WIDTHS["laptop"], "height": 800})
            page.goto(f"{site}/{name}", wait_until="load")
            settle(page)
            for device in ("laptop", "phone"):
                page.set_viewport_size({"width": WIDTHS[device], "height": 800})
                layout = page.evaluate(LAYOUT)
                scrolling[device] += layout["blocks"]
                if layout["scrollWidth"] > layout["clientWidth"] or layout["out"]:
                    wide.append(f"{name} at {device} width: the document is "
                                f"{layout['scrollWidth']} px wide in a {layout['clientWidth']}"
                                f" px window; sticking out: {layout['out']}")
    finally:
        context.close()
    assert not wide, f"{len(wide)} page(s) scroll sideways:\n" + "\n".join(wide)
    assert not remote, f"requests left the loopback interface: {remote}"
    print(f"{len(pages)} pages within {WIDTHS['phone']} and {WIDTHS['laptop']} px; wide "
          f"blocks scrolling inside them: {scrolling}")


@pytest.mark.parametrize("device", sorted(WIDTHS))
def test_wide_blocks_scroll_inside_the_page(browser, site: str, local_assets: None,
                                            device: str) -> None:
    """The catalogue's table, the errata's counterexamples and a lesson's outputs, wider
    than a phone, scroll sideways by themselves, and every such block moves when
    scrolled."""
    context = browser.new_context(viewport={"width": WIDTHS[device], "height": 800})
    context.set_default_timeout(30_000)
    page = context.new_page()
    offline(page)
    found: dict[str, list[str]] = {}
    try:
        for name in WIDE_PAGES:
            page.goto(f"{site}/{name}", wait_until="load")
            settle(page)
            report = page.evaluate(SCROLL_BLOCKS)
            assert not report["stuck"], f"{name}: wide blocks that do not scroll: {report}"
            found[name] = report["kinds"]
    finally:
        context.close()
    if device == "phone":
        assert "table" in found[CATALOGUE], found
        assert "pre" in found["appendix/errata.html"], found
        assert found["notebooks/04b_limits_caches_fan_out.html"], found
