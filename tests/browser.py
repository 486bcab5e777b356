"""Real-browser test helpers: Debian's chromium driven by the PyPI `playwright` package.

Not a test module. `playwright install` cannot download browsers here, so we launch the
system chromium (installed with apt on first use) through `executable_path`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts" / "screenshots"

# Gradio mounts its UI inside a <gradio-app> element; the Blocks root carries .gradio-container.
GRADIO_READY = "gradio-app .gradio-container, .gradio-container"


def ensure_chromium() -> str:
    """Return the path of Debian's chromium, installing it with apt-get if it is missing."""
    if Path(CHROMIUM).is_file():
        return CHROMIUM
    found = shutil.which("chromium")
    if found:
        return found
    try:
        for cmd in (["apt-get", "update"], ["apt-get", "install", "-y", "chromium"]):
            subprocess.run(
                cmd,
                check=True,
                timeout=600,
                capture_output=True,
                text=True,
                env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
            )
    except subprocess.CalledProcessError as e:
        tail = (e.stderr or e.stdout or "").strip()[-2000:]
        raise RuntimeError(f"could not install chromium ({' '.join(e.cmd)} exited {e.returncode}):\n{tail}") from e
    except (OSError, subprocess.TimeoutExpired) as e:
        raise RuntimeError(f"could not install chromium with apt-get: {e}") from e
    if not Path(CHROMIUM).is_file():
        raise RuntimeError(f"apt-get install chromium succeeded but {CHROMIUM} is missing")
    return CHROMIUM


def launch(playwright):
    """Launch headless system chromium; open pages via browser.new_context().new_page()."""
    return playwright.chromium.launch(executable_path=ensure_chromium(), args=CHROMIUM_ARGS)


def screenshot(page, name: str, full_page: bool = True) -> Path:
    """Save a PNG (the whole page, or what the window shows) under artifacts/screenshots; return its path."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / (name if name.endswith(".png") else f"{name}.png")
    page.screenshot(path=str(path), full_page=full_page)
    return path


def wait_for_gradio(page, url: str, timeout_ms: int = 30_000, ready: str | None = None) -> None:
    """Open a Gradio app and wait until its container is rendered.

    Never waits for "networkidle": Gradio keeps a stream open, so it would never fire.
    Gradio 6 fills each component's block asynchronously after the container shows (e.g. `#q`
    exists a moment before `#q textarea`); pass `ready` (a CSS selector) to wait for one too.
    """
    page.goto(url, wait_until="load", timeout=timeout_ms)
    page.locator(GRADIO_READY).first.wait_for(state="visible", timeout=timeout_ms)
    if ready:
        page.locator(ready).first.wait_for(state="visible", timeout=timeout_ms)
