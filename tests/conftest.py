"""Shared fixtures: the format, a generated template, LibreOffice.  Helpers live in helpers.py."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings as _hypothesis_settings

from govinfo_xlsx.format import ReportFormat, load_format
from govinfo_xlsx.template import write_workbook

from .helpers import need_libreoffice, run_libreoffice

# CI runs the property tests with a fixed seed: a red build must be reproducible.
_hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI") == "true":
    _hypothesis_settings.load_profile("ci")

collect_ignore = ["lo_uno.py", "helpers.py"]


@pytest.fixture(scope="session")
def fmt() -> ReportFormat:
    return load_format("2021")


@pytest.fixture(scope="session")
def template_path(tmp_path_factory: pytest.TempPathFactory, fmt: ReportFormat) -> Path:
    p = tmp_path_factory.mktemp("tpl") / "template.xlsx"
    write_workbook(p, fmt, year=2024, org="测试县人民政府办公室")
    return p


@pytest.fixture(scope="session")
def lo():
    need_libreoffice()
    return run_libreoffice
