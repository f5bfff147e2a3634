"""The window lists what the engine's registries hold: file formats and model families."""

from __future__ import annotations

from app.pages.data_page import FILE_FILTER
from app.pages.data_page import DataPage
from automl.cli import data_help
from automl.data import FORMATS


def test_the_file_filter_and_the_cli_help_name_every_format_and_suffix():
    first = FILE_FILTER.split(";;")[0]
    help_text = data_help()
    for fmt in FORMATS:
        assert fmt.title in FILE_FILTER and fmt.title in help_text and fmt.title in DataPage.help_text
        for suffix in fmt.suffixes:
            assert f"*{suffix}" in first
            assert suffix in help_text
    assert FILE_FILTER.endswith("All files (*)")
