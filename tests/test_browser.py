"""The book as readers get it: built from scratch, then every page opened in headless Chromium.

The book is built once per session into a temporary folder (never the user's
_build/), with the same flags as the README's build command. The static checks
(no CDN, internal links, figures) read the HTML files; the browser checks open
each page from disk (file://, as a reader does with a downloaded copy) in a
Chromium that may not reach any host, and fail on JavaScript errors, requests
that leave the book, math MathJax did not typeset, broken images, collapsed
solutions that are not collapsed, and machine paths or tracebacks in the text.
Screenshots land in tests/_screenshots/ (ignored by git).

A few pages are also read at a laptop's 1280 px and a phone's 390 px, in the
light and the dark theme, for what a reader sees: nothing wider than the
column (code, equations, the page), and graded-check feedback with enough
contrast. The in-browser edition (JupyterLite, lite/) needs a web server, so
that test serves the built book on 127.0.0.1, runs chapter 1's student
edition in it and compares what it saves with the chapter's stored outputs.

Chromium is driven through the DevTools protocol over a pipe: no driver
binary and no extra Python package. Without Chromium the browser tests skip;
.ci/run installs it (Debian's `chromium` package).
"""
import base64
import fcntl
import html.parser
import json
import os
import re
import shutil
import subprocess
import threading
from pathlib import Path
from urllib.parse import unquote, urldefrag, urljoin, urlparse

import pytest

from book_helpers import build_book

ROOT = Path(__file__).resolve().parents[1]
SCREENSHOTS = ROOT / "tests" / "_screenshots"
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
# Words that mean a CDN or any host outside the book. Readers may be offline.
CDN_WORDS = re.compile(r"cdn\.|jsdelivr|unpkg|googleapis|cdnjs|gstatic")
# Text that must never reach a reader: machine paths and Python failures.
LEAKS = re.compile(r"/work/|/tmp/|/home/|/root/|site-packages|Traceback \(most recent call last\)")
# In rendered cell outputs, warnings are leaks too (a chapter prints none on purpose).
OUTPUT_LEAKS = re.compile(r"\w*Warning:|RuntimeWarning|DeprecationWarning|FutureWarning")
PAGE_TIMEOUT = 60  # seconds for one page to load and typeset (generous: CI machines may be busy)


# --------------------------------------------------------------------------- build
@pytest.fixture(scope="module")
def book(tmp_path_factory):
    """Build the whole book into a temporary folder; return its html/ folder.

    RNN_BOOK_HTML=path/to/_build/html checks a book built already instead
    (for working on these tests; CI always builds).
    """
    if os.environ.get("RNN_BOOK_HTML"):
        return Path(os.environ["RNN_BOOK_HTML"]).resolve()
    out = tmp_path_factory.mktemp("book")
    result = build_book(out, "-W", "-n", "--keep-going")
    if result.returncode != 0:
        pytest.fail("the book does not build cleanly:\n" + result.stdout[-4000:] + result.stderr[-4000:])
    html_dir = out / "_build" / "html"
    assert (html_dir / "book" / "intro.html").exists()
    return html_dir


def html_pages(html_dir):
    """Every built page, book pages first (the JupyterLite app in lite/ is tested on its own)."""
    pages = [p for p in html_dir.rglob("*.html")
             if not {"_static", "_sources", "lite"} & set(p.relative_to(html_dir).parts)]
    return sorted(pages, key=lambda p: (p.parent == html_dir, str(p)))


class _Page(html.parser.HTMLParser):
    """What the static checks need from one HTML file."""

    def __init__(self):
        super().__init__()
        self.ids, self.links, self.resources, self.imgs = set(), [], [], []
        self.refresh = None
        self._stack = []  # open <figure> / cell-output elements, for images

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for key in ("id", "name"):
            if a.get(key):
                self.ids.add(a[key])
        if tag == "a" and a.get("href") is not None:
            self.links.append(a["href"])
        if tag in ("script", "img", "iframe", "source") and a.get("src"):
            self.resources.append(a["src"])
        if tag == "link" and a.get("href"):
            self.resources.append(a["href"])
        if tag == "meta" and (a.get("http-equiv") or "").lower() == "refresh":
            self.refresh = (a.get("content") or "").partition("url=")[2].strip()
        if tag == "img":
            in_output = any("cell_output" in c for _, c in self._stack)
            self.imgs.append({"src": a.get("src"), "alt": (a.get("alt") or "").strip(),
                              "in_figure": any(t == "figure" for t, _ in self._stack),
                              "in_output": in_output})
        if tag in ("figure", "div"):
            self._stack.append((tag, a.get("class") or ""))

    def handle_endtag(self, tag):
        if tag in ("figure", "div") and self._stack:
            self._stack.pop()


_PARSED = {}


def parse(path):
    """The parsed HTML file at `path` (each file is read once)."""
    if path not in _PARSED:
        _PARSED[path] = _Page()
        _PARSED[path].feed(path.read_text(encoding="utf-8"))
    return _PARSED[path]


# --------------------------------------------------------------------------- static checks
def test_no_page_loads_anything_from_a_cdn(book):
    """Math, fonts and scripts come from the book itself: it reads offline."""
    problems = []
    for path in html_pages(book):
        text = path.read_text(encoding="utf-8")
        page = parse(path)
        rel = path.relative_to(book)
        problems += [f"{rel}: loads {src}" for src in page.resources
                     if src.startswith(("http:", "https:", "//"))]
        problems += [f"{rel}: mentions {m.group(0)!r}" for m in CDN_WORDS.finditer(text)]
    assert not problems, "\n".join(problems)


def test_math_is_served_by_the_book(book):
    """Pages load the book's own copy of MathJax, and its fonts are in the build."""
    path = book / "book" / "01_forward_propagation.html"
    scripts = [src for src in parse(path).resources if src.split("?")[0].endswith("tex-chtml.js")]
    assert len(scripts) == 1, f"expected one MathJax script, got {scripts}"
    mathjax = Path(unquote(urlparse(urljoin(path.as_uri(), scripts[0])).path)).resolve()
    assert mathjax.is_file() and book in mathjax.parents, f"{scripts[0]} is not a file of the book"
    assert list((mathjax.parent / "output" / "chtml" / "fonts" / "woff-v2").glob("*.woff"))


def test_internal_links_resolve(book):
    """Every link inside the book points at a file that exists, and at an anchor in it."""
    problems = []
    for path in html_pages(book):
        page = parse(path)
        base = path.as_uri()
        for href in page.links + ([page.refresh] if page.refresh else []):
            if urlparse(href).scheme in ("http", "https", "mailto", "javascript", "data") or href.startswith("//"):
                continue
            url, fragment = urldefrag(urljoin(base, href))
            target = Path(unquote(urlparse(url).path))
            if target.is_dir():
                target = target / "index.html"
            if not target.exists() or book not in target.parents:
                problems.append(f"{path.relative_to(book)}: {href} -> missing file")
            elif fragment and target.suffix == ".html" and unquote(fragment) not in parse(target).ids:
                problems.append(f"{path.relative_to(book)}: {href} -> no anchor #{fragment}")
    assert not problems, "\n".join(problems)


def test_chapter_images_are_figures_with_alt_text(book):
    """Every image a chapter draws sits in a <figure> and has alt text."""
    problems, count = [], 0
    for path in html_pages(book):
        for img in parse(path).imgs:
            if not img["in_output"]:
                continue
            count += 1
            if not img["in_figure"]:
                problems.append(f"{path.relative_to(book)}: {img['src']} is not in a <figure> with a caption")
            if not img["alt"]:
                problems.append(f"{path.relative_to(book)}: {img['src']} has no alt text")
    assert count, "no figure found in any chapter"
    assert not problems, "\n".join(problems)


def test_figures_have_captions(book):
    """Each <figure> holding an image has a non-empty <figcaption>."""
    pattern = re.compile(r"<figure\b.*?</figure>", re.S)
    problems = []
    for path in html_pages(book):
        for fig in pattern.findall(path.read_text(encoding="utf-8")):
            caption = re.search(r"<figcaption>(.*?)</figcaption>", fig, re.S)
            if "<img" in fig and not (caption and re.sub(r"<[^>]+>|\s", "", caption.group(1))):
                problems.append(f"{path.relative_to(book)}: figure without caption")
    assert not problems, "\n".join(problems)


def test_api_reference_documents_every_public_name(book):
    """The API page has an entry for each name rnn_lib exports."""
    import rnn_lib

    ids = parse(book / "book" / "api.html").ids
    missing = [name for name in rnn_lib.__all__
               if f"{getattr(rnn_lib, name).__module__}.{name}" not in ids]
    assert not missing, f"not on book/api.md (add an automodule section): {missing}"


# --------------------------------------------------------------------------- the browser
def find_chromium():
    for name in (os.environ.get("CHROMIUM"), *CHROMIUM_NAMES):
        if name and shutil.which(name):
            return shutil.which(name)
    return None


class Chromium:
    """Headless Chromium driven by the DevTools protocol over --remote-debugging-pipe."""

    def __init__(self, binary, profile_dir, log_path):
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()

        def wire_pipes():  # Chromium reads commands on fd 3 and answers on fd 4
            r = fcntl.fcntl(to_browser_r, fcntl.F_DUPFD, 10)
            w = fcntl.fcntl(from_browser_w, fcntl.F_DUPFD, 10)
            os.dup2(r, 3)
            os.dup2(w, 4)

        args = [binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", f"--user-data-dir={profile_dir}", "--remote-debugging-pipe",
                "--disable-extensions", "--disable-dev-shm-usage", "--hide-scrollbars",
                "--mute-audio", "--window-size=1280,900",
                # No host resolves but the test's own server on 127.0.0.1: a page that
                # reaches for the network fails loudly.
                "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1", "about:blank"]
        self._log = open(log_path, "wb")
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=self._log, stderr=self._log,
                                     preexec_fn=wire_pipes, pass_fds=(3, 4))
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._next_id = 0
        self._replies, self.events = {}, []
        self._cond = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        buf = b""
        while True:
            chunk = os.read(self._from_browser, 1 << 16)
            if not chunk:
                break
            buf += chunk
            *messages, buf = buf.split(b"\0")
            with self._cond:
                for raw in messages:
                    msg = json.loads(raw)
                    if "id" in msg:
                        self._replies[msg["id"]] = msg
                    else:
                        self.events.append(msg)
                self._cond.notify_all()

    def send(self, method, params=None, session=None, timeout=PAGE_TIMEOUT):
        self._next_id += 1
        msg = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self._to_browser, json.dumps(msg).encode() + b"\0")
        with self._cond:
            if not self._cond.wait_for(lambda: self._next_id in self._replies, timeout):
                raise TimeoutError(f"Chromium did not answer {method} within {timeout} s")
            reply = self._replies.pop(self._next_id)
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        return reply["result"]

    def wait_event(self, method, session, timeout=PAGE_TIMEOUT):
        with self._cond:
            found = self._cond.wait_for(
                lambda: any(e["method"] == method and e.get("sessionId") == session for e in self.events), timeout)
        if not found:
            raise TimeoutError(f"no {method} within {timeout} s")

    def close(self):
        try:
            self.send("Browser.close", timeout=5)
        except Exception:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._to_browser)
        os.close(self._from_browser)
        self._log.close()


class Tab:
    """One page of the browser: open a URL, evaluate JavaScript, take screenshots."""

    def __init__(self, browser):
        self.browser = browser
        target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.send(f"{domain}.enable")
        self.set_viewport(900)

    def send(self, method, params=None):
        return self.browser.send(method, params, session=self.session)

    def open(self, url):
        """Load `url`, wait for MathJax and fonts; return the events it caused."""
        with self.browser._cond:
            self.browser.events.clear()
        self.send("Page.navigate", {"url": url})
        self.browser.wait_event("Page.loadEventFired", self.session)
        self.eval("(async () => { if (window.MathJax && MathJax.startup) await MathJax.startup.promise;"
                  " await document.fonts.ready; })()")
        with self.browser._cond:
            return [e for e in self.browser.events if e.get("sessionId") == self.session]

    def eval(self, expression):
        result = self.send("Runtime.evaluate", {"expression": expression, "awaitPromise": True,
                                                "returnByValue": True})
        if "exceptionDetails" in result:
            raise RuntimeError(f"JavaScript failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    def set_viewport(self, height, width=1280):
        self.send("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600})

    def screenshots(self, stem):
        """Save stem.png (the page, up to 8000 px tall) and stem--WHAT.png for a few elements."""
        for what, selector in SHOT_ELEMENTS:
            clip = self.eval(SCROLL_TO % json.dumps(selector))
            if clip:
                self.eval(NEXT_FRAMES)
                self._capture(stem.with_name(f"{stem.name}--{what}.png"), clip)
        self.eval("window.scrollTo(0, 0)")
        self.set_viewport(min(self.eval("document.documentElement.scrollHeight"), 8000))
        try:  # the whole page in view: sticky sidebars are drawn in full
            self.eval(NEXT_FRAMES)
            self._capture(stem.with_name(f"{stem.name}.png"))
        finally:
            self.set_viewport(900)

    def _capture(self, path, clip=None):
        params = {"format": "png"}
        if clip:
            params["clip"] = {**clip, "scale": 1}
        path.write_bytes(base64.b64decode(self.send("Page.captureScreenshot", params)["data"]))


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    binary = find_chromium()
    if binary is None:
        pytest.skip("Chromium is not installed (apt-get install chromium; .ci/run does it): "
                    "the book is not checked in a browser")
    tmp = tmp_path_factory.mktemp("chromium")
    chrome = Chromium(binary, tmp / "profile", tmp / "chromium.log")
    try:
        yield Tab(chrome)
    finally:
        chrome.close()


@pytest.fixture(scope="module")
def visited(book, browser):
    """Open every page once: {page path: (events, what the page's checks found)}."""
    SCREENSHOTS.mkdir(exist_ok=True)
    results = {}
    for path in html_pages(book):
        if parse(path).refresh:  # a redirect (index.html): its target is checked by the link test
            continue
        events = browser.open(path.as_uri())
        found = browser.eval(PAGE_CHECKS)
        browser.screenshots(SCREENSHOTS / str(path.relative_to(book).with_suffix("")).replace(os.sep, "--"))
        results[path] = (events, found)
    return results


# Runs in each page after MathJax: returns what the Python checks assert on.
PAGE_CHECKS = r"""
(() => {
  const main = document.querySelector('main') || document.body;
  // Text a reader sees, outside code (code may legitimately show $ or \( ).
  const walker = document.createTreeWalker(main, NodeFilter.SHOW_TEXT, {
    acceptNode: n => n.parentElement.closest('pre, code, script, style, mjx-container, .highlight, textarea')
      ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT});
  // Rendered and not inside a closed <details> (checkVisibility sees content-visibility too).
  const shown = el => el.checkVisibility({contentVisibilityAuto: true, visibilityProperty: true, opacityProperty: true});
  let prose = '';
  while (walker.nextNode()) prose += walker.currentNode.nodeValue + ' ';
  const untypeset = [...document.querySelectorAll('.math')]
    .filter(el => !el.querySelector('mjx-container') && !el.closest('mjx-container'))
    .map(el => el.textContent.slice(0, 80));
  const brokenImages = [...document.images]
    .filter(img => !(img.complete && img.naturalWidth > 0)).map(img => img.getAttribute('src'));
  const toggles = [...document.querySelectorAll('.cell.tag_hide-input details')];
  return {
    prose,
    rawMath: (prose.match(/\$\$|\\\(|\\\[|\\begin\{/g) || []),
    mathCount: document.querySelectorAll('mjx-container').length,
    untypeset,
    mathErrors: [...document.querySelectorAll('mjx-merror, [data-mjx-error]')].map(e => e.textContent),
    brokenImages,
    outputs: [...document.querySelectorAll('.cell_output')].map(e => e.innerText),
    stderr: document.querySelectorAll('.output.stderr, .output.traceback').length,
    toggles: toggles.length,
    openToggles: toggles.filter(t => t.open).length,
    visibleSolutionCode: [...document.querySelectorAll('.cell.tag_hide-input .cell_input')]
      .filter(shown).length,
  };
})()
"""

NEXT_FRAMES = "new Promise(done => requestAnimationFrame(() => requestAnimationFrame(() => done(true))))"

# The first figure, display equation, collapsed solution and API entry of a page, for a closer look.
SHOT_ELEMENTS = [("figure", "main figure"), ("math", "main div.math"),
                 ("solution-toggle", "main .cell.tag_hide-input"), ("api-entry", "main dl.py.function")]
# Scroll an element to the top of the view; return its box in page coordinates (or null).
SCROLL_TO = """(() => {
  const el = document.querySelector(%s);
  if (!el) return null;
  el.scrollIntoView({block: 'start'});
  window.scrollBy(0, -80);
  const r = el.getBoundingClientRect();
  return {x: Math.max(0, r.x - 10), y: Math.max(0, r.y + window.scrollY - 10),
          width: Math.min(r.width + 20, 1280), height: Math.min(r.height + 20, 800)};
})()"""


def page_name(book, path):
    return str(path.relative_to(book))


def test_pages_have_no_javascript_errors(book, visited):
    problems = []
    for path, (events, _) in visited.items():
        for e in events:
            p, method = e["params"], e["method"]
            if method == "Runtime.exceptionThrown":
                d = p["exceptionDetails"]
                problems.append(f"{page_name(book, path)}: uncaught {d.get('exception', {}).get('description', d['text'])}")
            elif method == "Runtime.consoleAPICalled" and p["type"] in ("error", "assert"):
                problems.append(f"{page_name(book, path)}: console.{p['type']}: "
                                + " ".join(str(a.get("value", a.get("description"))) for a in p["args"]))
            elif method == "Log.entryAdded" and p["entry"]["level"] == "error":
                problems.append(f"{page_name(book, path)}: {p['entry']['text']} {p['entry'].get('url', '')}")
    assert not problems, "\n".join(problems)


def test_pages_load_nothing_from_outside_the_book(book, visited):
    """Every request a page makes stays inside the built book; none fails."""
    problems = []
    for path, (events, _) in visited.items():
        urls = {}  # requestId -> URL
        for e in events:
            if e["method"] == "Network.requestWillBeSent":
                url = urls[e["params"]["requestId"]] = e["params"]["request"]["url"]
                if not (url.startswith(book.as_uri() + "/") or url.startswith("data:")):
                    problems.append(f"{page_name(book, path)}: requested {url}")
            elif e["method"] == "Network.loadingFailed" and not e["params"].get("canceled"):
                url = urls.get(e["params"]["requestId"], "?")
                problems.append(f"{page_name(book, path)}: {e['params'].get('errorText')} for {url}")
    assert not problems, "\n".join(problems)


def test_math_is_typeset(book, visited):
    problems = []
    for path, (_, found) in visited.items():
        name = page_name(book, path)
        problems += [f"{name}: not typeset: {t!r}" for t in found["untypeset"]]
        problems += [f"{name}: raw TeX in the text: {t!r}" for t in found["rawMath"]]
        problems += [f"{name}: MathJax error: {t!r}" for t in found["mathErrors"]]
    assert not problems, "\n".join(problems)
    chapter = next(f for p, (_, f) in visited.items() if p.name == "01_forward_propagation.html")
    assert chapter["mathCount"] > 10, "the first chapter shows hardly any typeset math"


def test_images_load(book, visited):
    problems = [f"{page_name(book, p)}: broken image {src}"
                for p, (_, found) in visited.items() for src in found["brokenImages"]]
    assert not problems, "\n".join(problems)


def test_pages_show_no_machine_paths_tracebacks_or_warnings(book, visited):
    problems = []
    for path, (_, found) in visited.items():
        name = page_name(book, path)
        problems += [f"{name}: {m.group(0)!r} in the text" for m in LEAKS.finditer(found["prose"])]
        for out in found["outputs"]:
            problems += [f"{name}: {m.group(0)!r} in a cell output" for m in LEAKS.finditer(out)]
            problems += [f"{name}: {m.group(0)!r} in a cell output" for m in OUTPUT_LEAKS.finditer(out)]
        if found["stderr"]:
            problems.append(f"{name}: {found['stderr']} stderr/traceback output(s) shown")
    assert not problems, "\n".join(problems)


def test_solutions_are_collapsed_until_clicked(book, browser, visited):
    """Cells tagged hide-input (exercise solutions) start collapsed and open on a click."""
    pages = [p for p, (_, found) in visited.items() if found["toggles"]]
    if not pages:
        pytest.skip("no cell tagged hide-input in the book yet")
    for path in pages:
        found = visited[path][1]
        assert found["openToggles"] == 0 and found["visibleSolutionCode"] == 0, \
            f"{page_name(book, path)}: a solution is shown before it is clicked"
    browser.open(pages[0].as_uri())
    browser.eval("document.querySelector('.cell.tag_hide-input summary, .cell.tag_hide-input button.toggle-button')"
                 ".click()")
    browser.eval(NEXT_FRAMES)
    shown = browser.eval("document.querySelector('.cell.tag_hide-input .cell_input')"
                         ".checkVisibility({contentVisibilityAuto: true, visibilityProperty: true})")
    assert shown, f"{page_name(book, pages[0])}: clicking the toggle does not show the solution"


# --------------------------------------------------------------------------- students
def chapter_pages(book):
    """The chapters: the pages built from notebooks."""
    return [book / "book" / (p.stem + ".html") for p in sorted((ROOT / "book").glob("*.ipynb"))]


def test_every_chapter_links_its_student_edition(book):
    """Each chapter with exercises links its student edition near the top, in the download
    menu, in the browser (JupyterLite) and on Binder; the files exist in the site."""
    from rnn_lib.grading import find_chapters

    with_exercises = {c.relpath.stem for c in find_chapters(ROOT / "book")}
    assert with_exercises, "no chapter with exercises"
    problems = []
    for path in chapter_pages(book):
        if path.stem not in with_exercises:
            continue
        text = path.read_text(encoding="utf-8")
        name = f"{path.stem}.ipynb"
        edition = f"../_downloads/student-editions/{name}"
        box = re.search(r'<div class="rnn-student-box.*?</div>', text, re.S)
        if not box or edition not in box.group(0) or f"../lite/lab/index.html?path={name}" not in box.group(0):
            problems.append(f"{path.name}: no student-edition box with the download and the browser links")
        elif text.index("rnn-student-box") > text.index("<section") + 2000:
            problems.append(f"{path.name}: the student-edition box is not at the top")
        if 'download-student-edition-button' not in text:
            problems.append(f"{path.name}: no student edition in the download menu")
        if f"urlpath=lab/tree/student/{name}" not in text:
            problems.append(f"{path.name}: Binder does not open the student edition")
        if not (book / "_downloads" / "student-editions" / name).is_file():
            problems.append(f"{name}: no student edition in the site")
        if not (book / "lite" / "files" / name).is_file():
            problems.append(f"{name}: not in the JupyterLite site")
    assert not problems, "\n".join(problems)


def test_intro_sends_students_to_the_student_editions(book):
    text = (book / "book" / "intro.html").read_text(encoding="utf-8")
    assert "student edition" in text.lower()
    for path in chapter_pages(book):
        assert f'href="{path.name}' in text, f"the intro's chapter list does not link {path.name}"


def test_exercise_index_links_every_exercise(book):
    """The index of exercises is generated from the chapters: a link to each exercise heading."""
    index = parse(book / "book" / "exercises.html")
    links = [h for h in index.links if h.startswith("0") and "#" in h]
    for path in chapter_pages(book):
        text = path.read_text(encoding="utf-8")
        headings = re.findall(r'<section id="(exercise-[^"]+)"', text)
        missing = [h for h in headings if f"{path.name}#{h}" not in links]
        assert not missing, f"the index of exercises misses {path.name}: {missing}"


# --------------------------------------------------------------------------- reading
# Pages read at both widths and in both themes (a handful: the suite stays fast).
LAYOUT_PAGES = ("book/intro.html", "book/01_forward_propagation.html",
                "book/02_backpropagation_through_time.html", "book/api.html", "book/instructors.html")

LAYOUT_CHECKS = r"""
(() => {
  if (window.rnnFitEquations) window.rnnFitEquations();
  const doc = document.documentElement;
  const over = (el) => el.scrollWidth - el.clientWidth > 1;
  const shown = (el) => el.getClientRects().length > 0;
  const label = (el) => (el.textContent || '').trim().slice(0, 60);
  const code = [...document.querySelectorAll('main pre')].filter(shown).filter(over).map(label);
  const equations = [...document.querySelectorAll("main mjx-container[display='true']")].filter(shown);
  const math = equations.filter(over).map(el => el.getAttribute('aria-label') || label(el));
  // Too wide even when set smaller: does it scroll in its own box (the page does not)?
  const mathScrolls = equations.filter(over).every(el => ['auto', 'scroll'].includes(getComputedStyle(el).overflowX));
  const article = document.querySelector('main article') || document.querySelector('main');
  const column = article.getBoundingClientRect();
  const wide = [...article.querySelectorAll('*')].filter(shown).filter(el => {
    if (el.closest('mjx-container, .table-wrapper, table, pre')) return false;  // own scroll boxes
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.right > column.right + 2;
  }).map(el => el.tagName + '.' + el.className + ': ' + label(el)).slice(0, 5);
  const images = [...article.querySelectorAll('.cell_output img')].filter(shown).map(img => ({
    src: img.getAttribute('src'), shown: img.getBoundingClientRect().width,
    // The size the image is drawn for: myst-nb writes a 2x PNG's displayed size as its style.
    css: parseFloat(img.style.width) || +img.getAttribute('width') || img.naturalWidth,
    natural: img.naturalWidth}));
  return {page: doc.scrollWidth - doc.clientWidth, code, math, mathScrolls, wide, images,
          column: column.width};
})()
"""

# The contrast of every piece of text in the graded-check feedback, against the
# background it is drawn on (WCAG 2 relative luminance).
CONTRAST_CHECK = r"""
(() => {
  const rgb = (s) => (s.match(/[\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => { const f = c => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
  const background = (el) => { for (; el; el = el.parentElement) { const c = rgb(getComputedStyle(el).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0.5)) return c.slice(0, 3); } return [255, 255, 255]; };
  const out = [];
  for (const box of document.querySelectorAll('.cell_output .output.text_html div[style*="border-left"]')) {
    for (const el of box.querySelectorAll('*')) {
      const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
      if (!own) continue;
      const fg = lum(rgb(getComputedStyle(el).color)), bg = lum(background(el));
      const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
      out.push({text: el.textContent.trim().slice(0, 50), ratio: Math.round(ratio * 100) / 100});
    }
  }
  return out;
})()
"""

SET_THEME = ("(() => { localStorage.setItem('mode', %(m)s); localStorage.setItem('theme', %(m)s);"
             " document.documentElement.dataset.mode = %(m)s; document.documentElement.dataset.theme = %(m)s;"
             " return true; })()")


@pytest.fixture(scope="module")
def layouts(book, browser):
    """{(page, width, theme): what LAYOUT_CHECKS and CONTRAST_CHECK found}, with screenshots."""
    SCREENSHOTS.mkdir(exist_ok=True)
    found = {}
    try:
        for width, height in ((1280, 900), (390, 844)):
            browser.set_viewport(height, width)
            for page in LAYOUT_PAGES:
                browser.open((book / page).as_uri())
                for theme in ("light", "dark"):
                    browser.eval(SET_THEME % {"m": json.dumps(theme)})
                    browser.eval(NEXT_FRAMES)
                    found[page, width, theme] = {**browser.eval(LAYOUT_CHECKS), "contrast": browser.eval(CONTRAST_CHECK)}
                    if theme == "dark" or width == 390:
                        stem = f"{Path(page).stem}--{width}px-{theme}"
                        browser._capture(SCREENSHOTS / f"{stem}.png")
                        clip = browser.eval(SCROLL_TO % json.dumps("main .cell_output .output.text_html"))
                        if clip:
                            browser.eval(NEXT_FRAMES)
                            browser._capture(SCREENSHOTS / f"{stem}--check.png", clip)
                        browser.eval("window.scrollTo(0, 0)")
                browser.eval(SET_THEME % {"m": json.dumps("light")})
    finally:
        browser.set_viewport(900)
    return found


PRINT_CHECKS = r"""
(() => {
  const article = document.querySelector('main article');
  const page = article.getBoundingClientRect();
  const shown = (el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
  const label = (el) => el.tagName + ': ' + (el.textContent || '').trim().slice(0, 60);
  return {
    cut: [...article.querySelectorAll("p, pre, li, figure, table, mjx-container[display='true']")]
      .filter(shown).filter(el => !el.parentElement.closest('mjx-container'))
      .filter(el => el.getBoundingClientRect().right > page.right + 2
              || (el.matches("pre, mjx-container") && el.scrollWidth > el.clientWidth + 1))
      .map(label).slice(0, 5),
    controls: [...document.querySelectorAll('summary, button, .rnn-student-box, .bd-sidebar-primary, .prev-next-area')]
      .filter(shown).map(label).slice(0, 5),
    solutions: [...document.querySelectorAll('.cell.tag_hide-input .cell_input')].filter(shown).length,
  };
})()
"""


def test_a_chapter_prints_within_the_margins(book, browser):
    """In print, chapter 1 fits the paper's width, with no buttons, toggles or solutions."""
    browser.set_viewport(1000, 720)  # about A4 / Letter within the margins
    browser.send("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        browser.open((book / "book" / "01_forward_propagation.html").as_uri())
        found = browser.eval(PRINT_CHECKS)
        pdf = browser.send("Page.printToPDF", {"printBackground": False})
        SCREENSHOTS.mkdir(exist_ok=True)
        (SCREENSHOTS / "01_forward_propagation--print.pdf").write_bytes(base64.b64decode(pdf["data"]))
    finally:
        browser.send("Emulation.setEmulatedMedia", {"media": ""})
        browser.set_viewport(900)
    assert not found["cut"], f"cut at the margin in print: {found['cut']}"
    assert not found["controls"], f"buttons or toggles in print: {found['controls']}"
    assert found["solutions"] == 0, "collapsed solutions are printed"


def test_nothing_is_wider_than_the_column(layouts):
    """At 1280 px and 390 px: no code block overflows the column, nor the page. Display
    equations fit at 1280 px; on a phone one that does not fit even when set smaller
    (book.js) scrolls inside its own box. (Break long equations: CONTRIBUTING.md.)"""
    problems = []
    for (page, width, theme), f in layouts.items():
        if theme != "light":
            continue
        where = f"{page} at {width} px"
        if f["page"] > 0:
            problems.append(f"{where}: the page scrolls sideways by {f['page']} px")
        problems += [f"{where}: code block wider than the column: {c!r}" for c in f["code"]]
        if width >= 1280 or not f["mathScrolls"]:
            problems += [f"{where}: equation wider than the column: {m!r}" for m in f["math"]]
        problems += [f"{where}: sticks out of the column: {w}" for w in f["wide"]]
    assert not problems, "\n".join(problems)


def test_figures_fit_the_column_and_are_sharp(layouts):
    """Figures never overflow the column; at 1280 px they are shown at (nearly) their drawn
    size, with twice the pixels for high-density screens."""
    problems, seen = [], 0
    for (page, width, theme), f in layouts.items():
        if theme != "light":
            continue
        for img in f["images"]:
            seen += 1
            if img["shown"] > f["column"] + 1:
                problems.append(f"{page} at {width} px: {img['src']} is wider than the column")
            if width == 1280 and img["shown"] < 0.9 * img["css"]:
                problems.append(f"{page}: {img['src']} is scaled to {img['shown'] / img['css']:.0%} "
                                "(draw it at most 9 inches wide with book_style())")
            if img["natural"] < 1.9 * img["css"]:
                problems.append(f"{page}: {img['src']} is not a 2x image (re-run the chapter with book_style())")
    assert seen, "no figure on the pages read"
    assert not problems, "\n".join(problems)


def test_check_feedback_is_readable_in_both_themes(layouts):
    """Every text of a graded check's result has a contrast of at least 4.5:1 (WCAG AA)."""
    problems, seen = [], 0
    for (page, width, theme), f in layouts.items():
        for item in f["contrast"]:
            seen += 1
            if item["ratio"] < 4.5:
                problems.append(f"{page} ({theme}, {width} px): {item['text']!r} has contrast {item['ratio']}:1")
    assert seen, "no graded-check feedback on the pages read"
    assert not problems, "\n".join(problems)


# --------------------------------------------------------------------------- JupyterLite
@pytest.fixture(scope="module")
def served(book):
    """The built book on a web server at 127.0.0.1 (JupyterLite does not run from files)."""
    import functools
    import http.server

    served_paths = []

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            served_paths.append(self.path)
            super().do_GET()

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(book)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", served_paths
    finally:
        server.shutdown()
        server.server_close()


LITE_TIMEOUT = 240  # seconds: Pyodide, numpy and matplotlib load, then the chapter runs

LITE_READY = r"""
(async () => {
  const sleep = ms => new Promise(r => setTimeout(r, ms));
  for (let i = 0; i < %d; i++) {
    const w = window.jupyterapp && jupyterapp.shell.currentWidget;
    const kernel = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
    if (kernel && kernel.status === 'idle' && w.content && w.content.widgets.length) return true;
    await sleep(250);
  }
  return false;
})()
""" % (LITE_TIMEOUT * 4)

# Run every cell (after putting `sources` into the cells they name), save, and
# return the notebook as saved: what a student's file holds.
LITE_RUN = r"""
(async (sources) => {
  const sleep = ms => new Promise(r => setTimeout(r, ms));
  const app = window.jupyterapp, w = app.shell.currentWidget;
  for (const [i, src] of Object.entries(sources)) w.content.widgets[+i].model.sharedModel.setSource(src);
  await app.commands.execute('notebook:run-all-cells');
  const kernel = w.sessionContext.session.kernel;
  for (let i = 0; i < 20; i++) { await sleep(250); if (kernel.status === 'idle') break; }
  await app.commands.execute('docmanager:save');
  const saved = await app.serviceManager.contents.get(w.context.path, {content: true});
  return JSON.stringify(saved.content);
})(%s)
"""

# Put the stub back into one cell, run it and its check cell; return the check's output text.
LITE_RUN_CELLS = r"""
(async ([stub, check, source]) => {
  const app = window.jupyterapp, w = app.shell.currentWidget;
  w.content.widgets[stub].model.sharedModel.setSource(source);
  for (const i of [stub, check]) {
    w.content.activeCellIndex = i;
    await app.commands.execute('notebook:run-cell');
  }
  const kernel = w.sessionContext.session.kernel;
  for (let i = 0; i < 40 && kernel.status !== 'idle'; i++) await new Promise(r => setTimeout(r, 250));
  return JSON.stringify(w.content.widgets[check].model.outputs.toJSON());
})(%s)
"""

FONT_CACHE = "Matplotlib is building the font cache"  # stderr of a first import, on slow machines


def comparable(outputs):
    """A cell's outputs as nbval compares them: text, consecutive streams merged."""
    out = []
    for o in outputs:
        if o["output_type"] == "stream":
            text = "".join(o["text"])
            if o["name"] == "stderr" and text.startswith(FONT_CACHE):
                continue
            if out and out[-1][0] == "stream:" + o["name"]:
                out[-1] = (out[-1][0], out[-1][1] + text)
            else:
                out.append(("stream:" + o["name"], text))
        elif o["output_type"] == "error":
            out.append(("error", o["ename"]))
        else:
            data = o.get("data", {})
            out.append(("data", "".join(data.get("text/plain", "")), "image/png" in data))
    return [tuple(re.sub(r"0x[0-9a-fA-F]+", "0xADDRESS", x) if isinstance(x, str) else x for x in item)
            for item in out]


def test_chapter_runs_in_the_browser_from_its_student_edition(book, browser, served):
    """Chapter 1's student edition opens in JupyterLite and runs with nothing installed: its
    checks say "not implemented yet"; with the solutions typed in, every output, saved as a
    student's notebook holds it, equals the chapter's stored one; nothing is requested from
    outside the site."""
    import nbformat

    served, served_paths = served
    name = "01_forward_propagation.ipynb"
    full = nbformat.read(ROOT / "book" / name, as_version=4)
    student = nbformat.read(book / "lite" / "files" / name, as_version=4)
    assert len(full.cells) == len(student.cells)
    browser.open(f"{served}/lite/lab/index.html?path={name}")
    assert browser.browser.send("Runtime.evaluate", {"expression": LITE_READY, "awaitPromise": True,
                                                     "returnByValue": True}, session=browser.session,
                                timeout=LITE_TIMEOUT + 10)["result"]["value"], "the kernel never started"

    def run(sources):
        reply = browser.browser.send("Runtime.evaluate", {"expression": LITE_RUN % json.dumps(sources),
                                                          "awaitPromise": True, "returnByValue": True},
                                     session=browser.session, timeout=LITE_TIMEOUT)
        assert "exceptionDetails" not in reply, reply
        return json.loads(reply["result"]["value"])

    solutions = {i: c.source for i, (c, s) in enumerate(zip(full.cells, student.cells)) if c.source != s.source}
    assert solutions, "the student edition has no stub"
    saved = run(solutions)
    problems = []
    for i, (want, got) in enumerate(zip(full.cells, saved["cells"])):
        if want.cell_type == "code" and comparable(want.outputs) != comparable(got["outputs"]):
            problems.append(f"cell {i + 1}:\n  stored:  {comparable(want.outputs)!r:.400}\n"
                            f"  browser: {comparable(got['outputs'])!r:.400}")
    assert not problems, "outputs differ from the stored ones:\n" + "\n".join(problems)
    # The student's side: a stub, and its check says so (not a traceback).
    first = min(solutions)
    check = next(i for i in range(first + 1, len(full.cells)) if "check_" in full.cells[i].source)
    reply = browser.browser.send("Runtime.evaluate", {"expression": LITE_RUN_CELLS % json.dumps(
        [first, check, student.cells[first].source]), "awaitPromise": True, "returnByValue": True},
        session=browser.session, timeout=LITE_TIMEOUT)
    assert "not implemented yet" in reply["result"].get("value", ""), reply
    with browser.browser._cond:
        events = [e for e in browser.browser.events if e.get("sessionId") == browser.session]
    outside = sorted({e["params"]["request"]["url"] for e in events if e["method"] == "Network.requestWillBeSent"
                      and not e["params"]["request"]["url"].startswith((served + "/", "data:", "blob:"))})
    assert not outside, "requested from outside the site:\n" + "\n".join(outside)
    # The kernel runs in a web worker, whose requests the page does not see; the server
    # does. Pyodide, numpy and rnn_lib came from the site (any other host does not even
    # resolve in this browser, and the outputs above would show the failure).
    for wanted in ("/lite/static/pyodide/pyodide.asm.wasm", "/lite/static/pyodide/numpy-",
                   "/lite/static/pyodide/rnn_lib-", "/lite/static/pyodide/matplotlib-"):
        assert any(p.startswith(wanted) for p in served_paths), f"{wanted}... was not loaded from the site"


def test_lite_site_loads_nothing_from_elsewhere(book):
    """The JupyterLite site's settings point at its own Pyodide and never at PyPI."""
    config = json.loads((book / "lite" / "jupyter-lite.json").read_text())
    kernel = config["jupyter-config-data"]["litePluginSettings"]["@jupyterlite/pyodide-kernel-extension:kernel"]
    assert kernel["pyodideUrl"] == "./static/pyodide/pyodide.js"
    assert kernel["disablePyPIFallback"] is True
    lock = json.loads((book / "lite" / "static" / "pyodide" / "pyodide-lock.json").read_text())
    missing = [p["file_name"] for p in lock["packages"].values()
               if not (book / "lite" / "static" / "pyodide" / p["file_name"]).is_file()]
    assert not missing, f"in the site's Pyodide lock but not in the site: {missing}"
    assert "rnn-lib" in lock["packages"] and lock["packages"]["rnn-lib"]["imports"] == ["rnn_lib"]


SEARCH_RESULTS = r"""
(async () => {
  // Wait until every result has its excerpt (fetched page by page), then a
  // moment more for the section links the book's script adds after it.
  for (let i = 0; i < 160; i++) {
    const items = [...document.querySelectorAll('#search-results li')];
    const finished = document.querySelector('#search-results p.search-summary')
      && /found/.test(document.querySelector('#search-results p.search-summary').textContent);
    if (items.length && finished && items.every(li => li.querySelector('.context'))) break;
    await new Promise(r => setTimeout(r, 250));
  }
  await new Promise(r => setTimeout(r, 300));
  const items = [...document.querySelectorAll('#search-results li')];
  return items.length ? items.map(li => ({
    href: li.querySelector('a').getAttribute('href'),
    section: (li.querySelector('.rnn-search-section') || {}).textContent || '',
    context: (li.querySelector('.context') || {}).textContent || ''})) : null;
})()
"""


SEARCHES = ["tanh", "hidden state"]
_SEARCHED = {}


def search(browser, served, query):
    """The search page's results for `query`: each result's link and excerpt (one search per query)."""
    if query not in _SEARCHED:
        url, _ = served
        browser.open(f"{url}/search.html?q={query.replace(' ', '+')}")
        _SEARCHED[query] = browser.eval(SEARCH_RESULTS)
    results = _SEARCHED[query]
    assert results, f"no search results for {query!r}"
    return results


@pytest.mark.parametrize("query", SEARCHES)
def test_search_excerpts_read_like_the_page(book, browser, served, query):
    """Search results show excerpts without TeX source, collapsed code or the contents list."""
    results = search(browser, served, query)
    excerpts = [r["context"] for r in results if r["context"]]
    assert excerpts, f"no excerpts for {query!r}"
    problems = [f"{r['href']}: {r['context'][:120]!r}" for r in results
                if re.search(r"\\[a-z]+\{|\\\(|\$\$|plt\.|fig, ax|BEGIN SOLUTION|Contents|"
                             r"\b(?:frac|texttt|textbf|mathbf|operatorname|lVert|rVert)\b", r["context"])]
    assert not problems, "excerpts with TeX, hidden code or the contents list:\n" + "\n".join(problems)
    # Inline math stays in the sentence as plain text, not as a hole ("of shape )").
    holes = [f"{r['href']}: {m.string[max(0, m.start() - 60):m.end() + 20]!r}" for r in results
             for m in [re.search(r"shape \)|\( +\)|\( +is\b", r["context"])] if m]
    assert not holes, "excerpts with a hole where inline math was:\n" + "\n".join(holes)


@pytest.mark.parametrize("query", SEARCHES)
def test_search_results_point_to_the_section_that_holds_the_words(book, browser, served, query):
    """A result links to the section whose own text holds the word its excerpt shows."""
    results = search(browser, served, query)
    anchored = [r for r in results if "#" in r["href"]]
    assert anchored, f"no result for {query!r} points to a section: {[r['href'] for r in results]}"
    for result in anchored:
        href = result["href"]
        page, _, section = href.partition("#")
        html_text = (book / unquote(page)).read_text(encoding="utf-8")
        main = re.sub(r"<[^>]+>", " ", html_text[html_text.index("<main"):]).lower()
        word = [w for w in query.split() if w in main][-1]  # the one the excerpt shows
        start = html_text.find(f'<section id="{section}"')
        assert start >= 0, f"{href}: no section with that id"
        ends = [i for i in (html_text.find("<section", start + 1), html_text.find("</section>", start))
                if i > 0]
        own_html = html_text[start:min(ends)]
        own = re.sub(r"<[^>]+>", " ", own_html).lower()
        assert word in own, f"{href}: the section's own text does not hold {word!r}"
        heading = re.search(r"<h[1-6][^>]*>(.*?)</h[1-6]>", own_html, re.S)
        title = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", heading.group(1))).replace("#", "").strip()
        assert result["section"].strip(" \u203a") == title, (href, result["section"], title)


def test_api_reference_reads_well(book):
    """The API page's contents list is short and has no repeated lines; no pair of names
    such as (X_val, y_val) is set as a shape; namedtuple fields take no block each."""
    text = (book / "book" / "api.html").read_text(encoding="utf-8")
    start = text.index('id="pst-page-toc-nav"')
    nav = text[start:text.index("</nav>", start)]
    entries = [re.sub(r"<[^>]+>", "", e).strip()
               for e in re.findall(r'<a class="reference internal nav-link"[^>]*>(.*?)</a>', nav, re.S)]
    assert 0 < len(entries) <= 40, f"{len(entries)} entries in the API page's contents list"
    assert len(set(entries)) == len(entries), f"repeated entries: {entries}"
    maths = re.findall(r'<span class="math notranslate nohighlight">(.*?)</span>', text)
    # A tuple of argument names such as (X_val, y_val) set as math; x_t in a formula is fine.
    assert not [m for m in maths if re.search(r"\b[A-Za-z]_[a-z]{2,}\s*,", m)], "a tuple of names is rendered as math"
    assert "Alias for field number" not in text
