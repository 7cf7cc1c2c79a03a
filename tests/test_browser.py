"""Widgets in a real browser: JupyterLab serves copies of notebooks that use them, headless
Chromium (driven by Playwright) runs all cells and works the controls as a learner would.

- Learning-rate explorer: move the slider with the keyboard and by typing into its read-out,
  and read the loss the widget shows.
- Playground: press train, then stop, and read the epoch and the losses it shows.

Expected losses are computed here with ``mlp_lib.train``, so a test fails if a widget shows a
stale, wrongly rounded or differently computed value. Screenshots are saved in the tests'
temporary folder (the path is printed) as CI artifacts. Skipped, with the reason, only when
Debian's Chromium or Playwright is not installed.
"""
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
START_LR = 0.1          # the fixture's lr_explorer(lr=0.1); the slider steps 0.1 in log10(lr)
TIMEOUT_MS = 30_000     # for each step in the page
LOAD_TIMEOUT_MS = 90_000   # for JupyterLab's page and kernel to come up on a busy machine


def expected_text(lr, epochs=300):
    """What the explorer must show for ``lr``: the XOR network's last loss, computed here."""
    from mlp_lib import MLP, make_xor, train
    X, y = make_xor()
    model = MLP([2, 4, 1], activation="tanh", loss="binary_cross_entropy", seed=0)
    history = train(model, X, y, epochs=epochs, lr=lr, batch_size=len(X), seed=0, on_divergence="stop",
                    on_epoch=lambda epoch, h: h.loss[-1] > 3 * h.loss[0])
    return f"final loss: {history.loss[-1]:.4f}"


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _write_settings(folder):
    """JupyterLab settings that keep the page quiet: no news toast, no autosave."""
    plugins = {"@jupyterlab/apputils-extension/notification.jupyterlab-settings":
               {"checkForUpdates": False, "fetchNews": "false"},
               "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False}}
    for name, settings in plugins.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(settings))


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab server on 127.0.0.1 serving copies of the fixture notebooks."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (install Debian's package: apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        pytest.skip("the playwright Python package is not installed (pip install playwright)")
    tmp_path = tmp_path_factory.mktemp("lab")
    for name in ("lr_explorer.ipynb", "playground.ipynb"):
        shutil.copy(FIXTURES / name, tmp_path / name)
    _write_settings(tmp_path / "settings")
    port, token = _free_port(), "browser-test-token"
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}   # keep inline plots in the kernel
    env.update(JUPYTERLAB_SETTINGS_DIR=str(tmp_path / "settings"), JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"),
               JUPYTERLAB_WORKSPACES_DIR=str(tmp_path / "workspaces"),
               PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])))
    log = open(tmp_path / "jupyterlab.log", "w")
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", "--ip=127.0.0.1", f"--port={port}",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={tmp_path}"],
        cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT)
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
        yield base, token, tmp_path
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def _wait_for_text(locator, text, timeout_ms=TIMEOUT_MS):
    """Wait until ``locator`` shows exactly ``text``; fail showing what it showed instead."""
    from playwright.sync_api import expect
    expect(locator).to_have_text(text, timeout=timeout_ms)


def _open_and_run_all(browser, base, token, notebook):
    """A new page with ``notebook`` open in JupyterLab, all its cells run."""
    page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    page.set_default_timeout(LOAD_TIMEOUT_MS)
    # a fresh workspace of its own, so that no tab of another test is restored beside it
    page.goto(f"{base}/lab/workspaces/{Path(notebook).stem}/tree/{notebook}?reset&token={token}")
    page.locator("#jp-main-statusbar >> text=Idle").wait_for()
    page.set_default_timeout(TIMEOUT_MS)
    page.locator("#jp-MainMenu .lm-MenuBar-item:has-text('Run')").click()
    page.locator("li.lm-Menu-item[data-command='runmenu:run-all']").click()
    return page


@pytest.fixture(scope="module")
def browser(lab):
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def test_lr_explorer_in_jupyterlab(lab, browser):
    base, token, folder = lab
    page = _open_and_run_all(browser, base, token, "lr_explorer.ipynb")
    slider = page.locator(".widget-hslider").first          # the learning rate (epochs is second)
    loss = page.locator(".widget-html", has_text="final loss:").first.locator("b")
    image = page.locator("img.widget-image").first
    _wait_for_text(loss, expected_text(START_LR), LOAD_TIMEOUT_MS)
    before = image.screenshot()

    # keyboard: five steps right on the handle, each 0.1 in log10(lr): 0.1 -> 10**-0.5
    slider.locator(".noUi-handle").focus()
    for _ in range(5):
        slider.locator(".noUi-handle").press("ArrowRight")
    _wait_for_text(loss, expected_text(10 ** -0.5))
    assert image.screenshot() != before, "the plot did not change after the slider moved"

    # typing into the read-out: a good rate, then one that diverges
    readout = slider.locator(".widget-readout")
    for lr in (2.0, 30.0):
        readout.click()
        page.keyboard.press("Control+A")
        page.keyboard.type(str(lr))
        page.keyboard.press("Enter")
        _wait_for_text(loss, expected_text(lr))
    message = page.locator(".widget-html", has_text="diverged").first
    message.wait_for()
    assert "learning rate 30" in message.inner_text()
    shot = folder / "lr_explorer.png"
    page.screenshot(path=str(shot), full_page=True)
    print(f"screenshot: {shot}")
    page.context.close()


def playground_losses(epochs):
    """Training and test loss of the playground's default run after ``epochs``, computed here."""
    from mlp_lib import MLP, make_circles, train, train_val_test_split
    X, y = make_circles(400, noise=0.1, seed=0)
    X_train, y_train, _, _, X_test, y_test = train_val_test_split(X, y, val=0.0, test=0.5, seed=0)
    model = MLP([2, 16, 16, 1], activation="tanh", loss="binary_cross_entropy", seed=0)
    history = train(model, X_train, y_train, epochs=epochs, lr=0.03, optimizer="adam", batch_size=10,
                    validation_data=(X_test, y_test), seed=0)
    return history.loss[-1], history.val_loss[-1]


def test_playground_trains_live_in_jupyterlab(lab, browser):
    base, token, folder = lab
    page = _open_and_run_all(browser, base, token, "playground.ipynb")
    status = page.locator(".widget-html", has_text="epoch").first
    _wait_for_text(status, "epoch 0", LOAD_TIMEOUT_MS)
    image = page.locator("img.widget-image").first
    before = image.screenshot()
    page.locator("button:has-text('train')").click()
    page.wait_for_function("el => /epoch ([3-9]|[1-9][0-9]+)/.test(el.textContent)", arg=status.element_handle())
    page.locator("button:has-text('stop')").click()
    time.sleep(1.0)                                   # paused: the shown epoch no longer changes
    shown = status.inner_text()
    time.sleep(1.0)
    assert status.inner_text() == shown, "training went on after stop"
    epoch = int(shown.split()[1])
    train_loss, test_loss = playground_losses(epoch)
    assert f"training loss: {train_loss:.4f}" in shown and f"test loss: {test_loss:.4f}" in shown
    assert f"epochs={epoch})" in page.locator(".widget-html", has_text="playground_run").first.inner_text()
    assert image.screenshot() != before, "the decision boundary was not redrawn while training"
    shot = folder / "playground.png"
    page.screenshot(path=str(shot), full_page=True)
    print(f"screenshot: {shot}")
    page.context.close()
