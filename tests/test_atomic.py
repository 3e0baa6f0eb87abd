"""Reports are written whole or not at all, and write failures are one-line errors."""

import pytest

from budget.outputs import atomic_write
from pricing.errors import InputError


def test_a_failed_write_leaves_nothing_and_keeps_the_old_file(tmp_path):
    target = tmp_path / "report.csv"
    target.write_text("old\n")
    with pytest.raises(RuntimeError), atomic_write(target) as handle:
        handle.write("half a rep")
        raise RuntimeError("the run failed midway")
    assert target.read_text() == "old\n"
    assert list(tmp_path.iterdir()) == [target]


def test_a_directory_or_missing_directory_is_bad_input(tmp_path):
    with pytest.raises(InputError, match="is a directory"), atomic_write(tmp_path):
        pass
    with pytest.raises(InputError, match="does not exist"), atomic_write(tmp_path / "no" / "x.csv"):
        pass


def test_a_new_report_gets_ordinary_permissions(tmp_path):
    import os

    umask = os.umask(0o022)
    try:
        with atomic_write(tmp_path / "r.csv") as handle:
            handle.write("a\n")
    finally:
        os.umask(umask)
    assert (tmp_path / "r.csv").stat().st_mode & 0o777 == 0o644
