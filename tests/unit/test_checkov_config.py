"""scripts/scan.py reads each .checkov.yaml skip's reason from the comment right above it."""

from __future__ import annotations

from pathlib import Path

import pytest
import scan


def test_the_reason_is_the_comment_right_above_each_entry(tmp_path: Path):
    config = tmp_path / ".checkov.yaml"
    config.write_text(
        "# about the file, not a reason\n"
        "skip-check:\n"
        "  # first line of the reason,\n"
        "  # and its second line\n"
        "  - CKV_AWS_1\n"
        "  # a comment a blank line away explains nothing\n"
        "\n"
        "  - CKV_AWS_2\n"
        "  - CKV_AWS_3\n"
        "framework:\n"
        "  # not a skip\n"
        "  - cloudformation\n"
    )
    assert scan.checkov_config_skips(config) == {
        "CKV_AWS_1": "first line of the reason, and its second line",
        "CKV_AWS_2": "",
        "CKV_AWS_3": "",
    }


def test_an_entry_it_cannot_read_is_refused(tmp_path: Path):
    config = tmp_path / ".checkov.yaml"
    config.write_text("skip-check:\n  # why\n  - CKV_AWS_1,CKV_AWS_2\n")
    with pytest.raises(ValueError, match="not a check id on its own line"):
        scan.checkov_config_skips(config)
