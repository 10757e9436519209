"""The OIDC end-to-end tests drive the shared Chromium of tests/conftest.py."""
