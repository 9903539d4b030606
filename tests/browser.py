"""A real browser for the participant's pages: Debian's Chromium driven by Playwright, the app served
on a free port of 127.0.0.1, and axe-core for the WCAG checks.

Nothing is downloaded but axe-core, once, from the npm registry into a cache outside the repository;
Playwright never installs a browser of its own (`playwright install` needs a network we do not have).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tarfile
import tempfile
import threading
from dataclasses import replace
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, sync_playwright
from werkzeug.serving import make_server

CHROMIUM = Path("/usr/bin/chromium")
# Root needs --no-sandbox; the rest keep Chromium from reaching for a network that is closed here.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
AXE_PACKAGE = "axe-core@4"
AXE_CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "followup-tests"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
RUN_AXE = """async (tags) => {
    const result = await axe.run(document, {runOnly: {type: "tag", values: tags}});
    return result.violations.map((v) => ({
        id: v.id, impact: v.impact, help: v.help, url: v.helpUrl,
        nodes: v.nodes.map((n) => ({target: n.target.join(" "), summary: n.failureSummary})),
    }));
}"""
FOCUS = """() => {
    const element = document.activeElement;
    const style = getComputedStyle(element);
    return {
        element: element.outerHTML.slice(0, 120),
        outline: style.outlineStyle,
        width: parseFloat(style.outlineWidth),
    };
}"""


@pytest.fixture(scope="session")
def browser():
    """Start Debian's Chromium once for the whole run."""
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: the browser tests need Debian's Chromium "
            "(apt-get install -y chromium; .ci/run installs it)",
            pytrace=False,
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def live_server(app):
    """Serve the test app from a background thread on a free port; yield its address.

    The app, its database and its clock are the test's own, so a test can move the clock and read
    the stored answers while the browser talks to the server.
    """
    server = make_server("127.0.0.1", 0, app, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    app.config["BASE_URL"] = url
    runtime = app.extensions["followup"]
    runtime.settings = replace(runtime.settings, base_url=url)
    # A short poll interval: shutdown() waits for it, after every test.
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="live-server", daemon=True
    )
    thread.start()
    yield url
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def new_context(browser, live_server):
    """Open browser contexts on the live server, each a new phone with no cookies; close them after."""
    contexts = []

    def open_context(**options):
        context = browser.new_context(base_url=live_server, **options)
        context.set_default_timeout(20_000)
        contexts.append(context)
        return context

    yield open_context
    for context in contexts:
        context.close()


def axe_script() -> str:
    """Return axe.min.js, packed from the npm registry on first use and kept in AXE_CACHE."""
    script = AXE_CACHE / AXE_PACKAGE.replace("@", "-") / "axe.min.js"
    if not script.exists():
        npm = shutil.which("npm")
        if npm is None:
            pytest.fail(
                f"npm is missing: the accessibility checks fetch {AXE_PACKAGE} with it", pytrace=False
            )
        script.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=script.parent) as work:
            packed = subprocess.run(
                [npm, "pack", AXE_PACKAGE, "--pack-destination", work, "--silent"],
                capture_output=True,
                text=True,
                check=False,
            )
            if packed.returncode != 0:
                pytest.fail(f"npm pack {AXE_PACKAGE} failed:\n{packed.stderr}", pytrace=False)
            tarball = next(Path(work).glob("axe-core-*.tgz"))
            with tarfile.open(tarball) as archive:
                source = archive.extractfile("package/axe.min.js").read()
            partial = Path(work) / "axe.min.js"
            partial.write_bytes(source)
            partial.replace(script)  # whole or not at all, should two runs fetch at once
    return script.read_text()


class Axe:
    """axe-core, run inside a page against WCAG 2.0 and 2.1, levels A and AA."""

    def __init__(self, source: str) -> None:
        self.source = source

    def check(self, page: Page) -> None:
        """Fail with every violation axe-core finds on the page as it is now.

        The pages forbid inline scripts (Content-Security-Policy), so the page must come from a
        context opened with bypass_csp=True.
        """
        if not page.evaluate("() => 'axe' in window"):
            page.add_script_tag(content=self.source)
        violations = page.evaluate(RUN_AXE, WCAG_TAGS)
        if violations:
            report = "\n".join(
                f"- {v['id']} ({v['impact']}): {v['help']} <{v['url']}>\n"
                + "\n".join(f"    {n['target']}: {n['summary']}" for n in v["nodes"])
                for v in violations
            )
            print(report)
            pytest.fail(f"axe-core: {len(violations)} violation(s) on {page.url}:\n{report}", pytrace=False)


@pytest.fixture(scope="session")
def axe() -> Axe:
    """Load axe-core once for the whole run."""
    return Axe(axe_script())


def tab_to(page: Page, target: Locator, key: str = "Tab", limit: int = 40) -> None:
    """Press Tab (or `key`) until `target` has the focus; every element passed must show its focus."""
    for _ in range(limit):
        page.keyboard.press(key)
        focus = page.evaluate(FOCUS)
        assert focus["outline"] != "none" and focus["width"] > 0, f"focus is not visible on {focus}"
        if has_focus(target):
            return
    raise AssertionError(f"{limit} presses of {key} did not reach {target}")


def has_focus(target: Locator) -> bool:
    """Tell whether `target` is the element with the keyboard focus."""
    return target.evaluate("element => element === document.activeElement")


def scroll_width(page: Page) -> int:
    """Return how wide the page is; wider than the viewport means scrolling sideways."""
    return page.evaluate("() => document.documentElement.scrollWidth")
