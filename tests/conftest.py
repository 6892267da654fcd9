"""Shared test fixtures."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

import browser  # tests/browser.py


@pytest.fixture(scope="session")
def chromium() -> str:
    """Path of the system Chromium (Debian package). Skips the test when it is missing, unless
    NTM_REQUIRE_BROWSER=1 (as in CI), where a missing browser fails it."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None and Path("/usr/bin/chromium").exists():
        found = "/usr/bin/chromium"
    problem = None
    if found is None:
        problem = "Chromium is not installed (Debian package 'chromium')"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            problem = "the playwright Python package is not installed"
    if problem:
        if os.environ.get("NTM_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{problem}, and NTM_REQUIRE_BROWSER=1")
        pytest.skip(problem)
    return found


@pytest.fixture(scope="session")
def browse(chromium):
    """`browse(path, javascript=True, hover=None) -> browser.Visit`: open an exported page offline in Chromium."""

    def run(path, **options) -> browser.Visit:
        return browser.visit(path, chromium=chromium, **options)

    return run
