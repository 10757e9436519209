"""The OIDC end-to-end tests drive the same Chromium as tests/browser (fixture and failure hook reused)."""

from tests.browser.conftest import browser, pytest_runtest_makereport  # noqa: F401  (re-exported)
