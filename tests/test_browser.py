"""The real course in a real browser: JupyterLab serves a copy of the course (the start page, every
lesson, every untouched exercise notebook) and headless Chromium, driven by Playwright, uses it as
a learner would.

- The start page links every lesson, its exercises and its solutions, and a link opens the lesson.
- Each lesson, opened before running (as after a fresh clone), shows a picture of each of its
  widgets and never "Error displaying widget"; after Run All it has no error output and no widget
  error; saved and opened again it still shows its widgets.
- Each untouched exercise notebook runs from top to bottom: no error output, and the checks say
  "not implemented yet".
- Lesson 3's learning-rate slider is moved with the keyboard and by typing into its read-out, and
  lesson 7's playground is started and stopped; the values they show are computed here with
  ``mlp_lib``, so a stale, wrongly rounded or differently computed value fails.

Every notebook has a time budget for Run All. Screenshots are saved in the tests' temporary
folder (the path is printed) as CI artifacts. Skipped, with the reason, only when Debian's
Chromium or Playwright is not installed, and never when MLP_COURSE_REQUIRE_BROWSER is set (CI).
"""
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
LESSONS = sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))
EXERCISES = sorted(p.name for p in (ROOT / "exercises").glob("*.ipynb"))
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
WIDGET_ERROR = "Error displaying widget"
TIMEOUT_MS = 30_000        # for each step in the page
LOAD_TIMEOUT_MS = 90_000   # for JupyterLab's page and kernel to come up on a busy machine
RUN_ALL_BUDGET_S = 300     # for Run All of one notebook (the slowest lesson takes about 20 s alone)


def _require_browser():
    def missing(reason):
        if os.environ.get("MLP_COURSE_REQUIRE_BROWSER"):
            pytest.fail(f"MLP_COURSE_REQUIRE_BROWSER is set but {reason}")
        pytest.skip(reason)
    if not Path(CHROMIUM).exists():
        missing(f"no Chromium at {CHROMIUM} (install Debian's package: apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing("the playwright Python package is not installed (pip install playwright)")


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _write_settings(folder):
    """JupyterLab settings: the course's own (widget state saved with a notebook, as ./course setup
    installs them), plus a quiet page for the test: no news toast, no autosave, and every cell
    rendered (not only those scrolled into view), so the test sees every output."""
    course = json.loads((ROOT / "tools" / "lab-overrides.json").read_text())
    plugins = {f"{plugin.replace(':', '/')}.jupyterlab-settings": settings for plugin, settings in course.items()}
    plugins.update({
        "@jupyterlab/apputils-extension/notification.jupyterlab-settings":
            {"checkForUpdates": False, "fetchNews": "false"},
        "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
        "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    })
    for name, settings in plugins.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(settings))


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab server on 127.0.0.1 serving a copy of the course, as ./course lab serves it."""
    _require_browser()
    tmp_path = tmp_path_factory.mktemp("lab")
    course = tmp_path / "course"
    course.mkdir()
    shutil.copy(ROOT / "START.ipynb", course / "START.ipynb")
    for folder in ("notebooks", "exercises", "solutions"):
        shutil.copytree(ROOT / folder, course / folder, ignore=shutil.ignore_patterns("*.md", ".ipynb_checkpoints"))
    _write_settings(tmp_path / "settings")
    port, token = _free_port(), "browser-test-token"
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}   # keep inline plots in the kernel
    env.update(JUPYTERLAB_SETTINGS_DIR=str(tmp_path / "settings"), JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"),
               JUPYTERLAB_WORKSPACES_DIR=str(tmp_path / "workspaces"), JUPYTER_DATA_DIR=str(tmp_path / "data"),
               PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])))
    log = open(tmp_path / "jupyterlab.log", "w")
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", "--ip=127.0.0.1", f"--port={port}",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={course}"],
        cwd=course, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"JupyterLab did not start; its log:\n{(tmp_path / 'jupyterlab.log').read_text()[-3000:]}")
            time.sleep(0.3)
        yield base, token, course
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


@pytest.fixture(scope="module")
def browser(lab):
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def _open(browser, lab, path):
    """A new page with the notebook ``path`` (relative to the course) open and its kernel idle."""
    base, token, _ = lab
    page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    page.set_default_timeout(LOAD_TIMEOUT_MS)
    # a fresh workspace of its own, so that no tab of another test is restored beside it
    workspace = path.replace("/", "-").replace(".", "-")
    page.goto(f"{base}/lab/workspaces/{workspace}/tree/{path}?reset&token={token}")
    page.locator("#jp-main-statusbar >> text=Idle").wait_for()
    page.locator(".jp-Notebook .jp-Cell").first.wait_for()
    page.set_default_timeout(TIMEOUT_MS)
    return page


def _run_all(page, budget_s=RUN_ALL_BUDGET_S):
    """Run All, and wait until every code cell has run (or fail after ``budget_s`` seconds)."""
    page.locator("#jp-MainMenu .lm-MenuBar-item:has-text('Run')").click()
    page.locator("li.lm-Menu-item[data-command='runmenu:run-all']").click()
    started = time.monotonic()
    page.wait_for_function(
        """() => {
            const prompts = [...document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputPrompt')];
            return prompts.length > 0 && prompts.every(p => /^\\[\\d+\\]:$/.test(p.textContent.trim()));
        }""", timeout=budget_s * 1000)
    page.locator("#jp-main-statusbar >> text=Idle").wait_for()
    return time.monotonic() - started


def _save(page, path):
    """Save the notebook open in ``page`` and return it as written to ``path``."""
    before = path.stat().st_mtime_ns
    page.locator(".jp-Notebook").first.click(position={"x": 5, "y": 5})
    page.keyboard.press("Escape")
    page.keyboard.press("Control+s")
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while path.stat().st_mtime_ns == before:
        assert time.monotonic() < deadline, f"{path.name} was not saved"
        time.sleep(0.2)
    time.sleep(0.5)
    return nbformat.read(path, as_version=4)


def _errors(nb):
    return [(index, output.get("ename"), output.get("evalue")) for index, cell in enumerate(nb.cells)
            for output in cell.get("outputs", []) if output.get("output_type") == "error"]


def _widget_views(nb):
    return [output for cell in nb.cells for output in cell.get("outputs", []) if WIDGET_VIEW in output.get("data", {})]


def _screenshot(page, folder, name):
    shot = folder.parent / f"{name}.png"
    page.screenshot(path=str(shot), full_page=False)
    print(f"screenshot: {shot}")


def test_the_start_page_links_every_notebook_and_opens_a_lesson(lab, browser):
    page = _open(browser, lab, "START.ipynb")
    # JupyterLab resolves a relative link to the file's URL on the server, /files/<path>?...
    hrefs = page.locator(".jp-RenderedMarkdown a").evaluate_all(
        "links => links.map(a => new URL(a.href).pathname)")
    for name in LESSONS:
        for folder in ("notebooks", "exercises", "solutions"):
            assert f"/files/{folder}/{name}" in hrefs, f"the start page has no link to {folder}/{name}"
    page.locator(".jp-RenderedMarkdown a[href*='/files/notebooks/03_backpropagation.ipynb']").click()
    page.locator(".lm-TabBar-tab:has-text('03_backpropagation.ipynb')").wait_for()
    page.locator("#jp-main-statusbar >> text=Idle").wait_for(timeout=LOAD_TIMEOUT_MS)
    assert page.locator(".jp-RenderedMarkdown:has-text('Backpropagation on XOR')").count() > 0
    page.context.close()


@pytest.mark.parametrize("name", LESSONS, ids=lambda n: n[:-6])
def test_a_lesson_shows_its_widgets_before_and_after_running(lab, browser, name):
    _, _, course = lab
    path = course / "notebooks" / name
    views = len(_widget_views(nbformat.read(path, as_version=4)))
    page = _open(browser, lab, f"notebooks/{name}")

    # opened before running: a picture of each widget, with its figure, never an error
    pictures = page.locator(".jp-OutputArea-output .widget-snapshot")
    pictures.first.wait_for()
    assert pictures.count() == views
    for index in range(views):
        image = pictures.nth(index).locator("img").first
        image.scroll_into_view_if_needed()
        assert image.evaluate("img => img.complete && img.naturalWidth > 0"), f"picture {index} shows no figure"
    assert page.get_by_text(WIDGET_ERROR).count() == 0
    pictures.first.scroll_into_view_if_needed()
    _screenshot(page, course, f"{name[:-6]}-on-open")

    # after Run All: live widgets, no error output, no widget error, within the budget
    seconds = _run_all(page)
    print(f"{name}: Run All took {seconds:.1f} s")
    page.locator(".jp-OutputArea-output .widget-slider, .jp-OutputArea-output .widget-button").first.wait_for()
    assert page.get_by_text(WIDGET_ERROR).count() == 0
    saved = _save(page, path)
    assert _errors(saved) == []
    state = saved.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    assert all(view["data"][WIDGET_VIEW]["model_id"] in state for view in _widget_views(saved)), (
        "JupyterLab did not save the widgets' state with the notebook")
    page.context.close()

    # saved, then opened again: the widgets come back from the saved state
    page = _open(browser, lab, f"notebooks/{name}")
    page.locator(".jp-OutputArea-output .widget-slider, .jp-OutputArea-output .widget-button, "
                 ".jp-OutputArea-output .widget-snapshot").first.wait_for()
    time.sleep(1.0)
    assert page.get_by_text(WIDGET_ERROR).count() == 0
    page.context.close()


@pytest.mark.parametrize("name", EXERCISES, ids=lambda n: n[:-6])
def test_an_untouched_exercise_notebook_runs_top_to_bottom(lab, browser, name):
    _, _, course = lab
    path = course / "exercises" / name
    page = _open(browser, lab, f"exercises/{name}")
    seconds = _run_all(page)
    print(f"{name}: Run All took {seconds:.1f} s")
    saved = _save(page, path)
    assert _errors(saved) == []
    code = [cell for cell in saved.cells if cell.cell_type == "code"]
    assert all(cell.execution_count is not None for cell in code), "Run All stopped before the last cell"
    assert page.get_by_text("not implemented yet").count() > 0
    page.context.close()


def _wait_for_text(locator, text, timeout_ms=TIMEOUT_MS):
    """Wait until ``locator`` shows exactly ``text``; fail showing what it showed instead."""
    from playwright.sync_api import expect
    expect(locator).to_have_text(text, timeout=timeout_ms)


def lesson3_loss_text(lr, epochs=300):
    """What lesson 3's explorer, lr_explorer(activation="sigmoid"), must show for ``lr``: computed here."""
    from mlp_lib import MLP, make_xor, train
    X, y = make_xor()
    model = MLP([2, 4, 1], activation="sigmoid", loss="binary_cross_entropy", seed=0)
    history = train(model, X, y, epochs=epochs, lr=lr, batch_size=len(X), seed=0, on_divergence="stop",
                    on_epoch=lambda epoch, h: h.loss[-1] > 3 * h.loss[0])
    return f"final loss: {history.loss[-1]:.4g}"


def test_lesson3_learning_rate_slider(lab, browser):
    _, _, course = lab
    page = _open(browser, lab, "notebooks/03_backpropagation.ipynb")
    _run_all(page)
    slider = page.locator(".jp-OutputArea-output .widget-hslider").first      # the learning rate (epochs is second)
    loss = page.locator(".widget-html", has_text="final loss:").first.locator("b")
    image = page.locator("img.widget-image").first
    _wait_for_text(loss, lesson3_loss_text(5.0))
    before = image.screenshot()

    # keyboard: five steps right on the handle, each 0.1 on the slider's grid of log10(lr) (-4, -3.9, ...):
    # log10(5) = 0.699 -> 0.8, 0.9, 1.0, 1.1, 1.2
    slider.locator(".noUi-handle").focus()
    for _ in range(5):
        slider.locator(".noUi-handle").press("ArrowRight")
    # the handle sits at 10^1.2 = 15.85; the read-out (d3's ".3g") shows 15.8, the rate the widget trains with
    _wait_for_text(loss, lesson3_loss_text(15.8))
    assert slider.locator(".widget-readout").inner_text().strip() == "15.8"
    assert image.screenshot() != before, "the plot did not change after the slider moved"

    # typing into the read-out: a good rate, then one that diverges
    readout = slider.locator(".widget-readout")
    for lr in (2.0, 30.0):
        readout.click()
        page.keyboard.press("Control+A")
        page.keyboard.type(str(lr))
        page.keyboard.press("Enter")
        _wait_for_text(loss, lesson3_loss_text(lr))
    message = page.locator(".widget-html", has_text="diverged").first
    message.wait_for()
    assert "learning rate 30" in message.inner_text()
    slider.scroll_into_view_if_needed()
    _screenshot(page, course, "lesson3-lr-explorer")
    page.context.close()


def test_lesson7_playground_trains_live(lab, browser):
    from mlp_lib.widgets.playground import playground_run
    _, _, course = lab
    page = _open(browser, lab, "notebooks/07_training_in_practice.ipynb")
    _run_all(page)
    status = page.locator(".widget-html", has_text="epoch").first
    _wait_for_text(status, re.compile(r"^epoch 0 of at most 1000\s+target 0\.001$"))
    image = page.locator("img.widget-image").last
    before = image.screenshot()
    page.locator("button:has-text('train')").click()
    page.wait_for_function("el => /epoch ([3-9]|[1-9][0-9]+)/.test(el.textContent)", arg=status.element_handle())
    page.locator("button:has-text('stop')").click()
    time.sleep(1.0)                                   # paused: the shown epoch no longer changes
    shown = status.inner_text()
    time.sleep(1.0)
    assert status.inner_text() == shown, "training went on after stop"
    epoch = int(shown.split()[1])
    _, history = playground_run(epochs=epoch, dataset="spirals")     # lesson 7's playground(dataset="spirals")
    assert f"training loss: {history.loss[-1]:.4g}" in shown and f"test loss: {history.val_loss[-1]:.4g}" in shown
    assert f"epochs={epoch})" in page.locator(".widget-html", has_text="playground_run").first.inner_text()
    assert image.screenshot() != before, "the decision boundary was not redrawn while training"
    _screenshot(page, course, "lesson7-playground")
    page.context.close()
