"""Bad numbers and edges in import files: amounts too large or too precise for any premium, a
NUL byte in a cell however far down the file, a file with only a header row, policy dates no
insurer would write. Each gets one clear line naming the row and field; nothing is imported."""

import pytest

from inscrm.models import Customer, Policy
from tests.importfiles import (
    CUSTOMER_HEADER,
    POLICY_HEADER,
    customer_rows,
    policy_rows,
    write_csv,
)


def _customers(runner, tmp_path, count=1):
    result = runner("import", str(write_csv(tmp_path / "c.csv", CUSTOMER_HEADER,
                                            customer_rows(count))))
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("premium", ["1e400", "1" * 27, "Infinity", "NaN", "1.001",
                                     "1" * 40 + ".5"])
def test_an_impossible_premium_is_a_row_problem_not_a_traceback(runner, app, tmp_path, premium):
    _customers(runner, tmp_path)
    row = policy_rows(1)[0]
    row[3] = premium
    result = runner("import", str(write_csv(tmp_path / "p.csv", POLICY_HEADER, [row])))
    assert result.exit_code != 0
    assert "row 2" in result.output and "premium" in result.output, result.output
    assert "Traceback" not in result.output
    with app.app_context():
        assert Policy.select().count() == 0


@pytest.mark.parametrize(("start", "end", "field"), [
    ("1399-01-01", "9999-12-31", "start_date"),
    ("2025-01-01", "9999-12-31", "end_date"),
    ("2999-01-01", "2999-12-31", "start_date"),
    ("2025-01-01", "2024-12-31", "end_date"),
])
def test_implausible_policy_dates_are_refused(runner, app, tmp_path, start, end, field):
    _customers(runner, tmp_path)
    row = policy_rows(1)[0]
    row[4], row[5] = start, end
    result = runner("import", str(write_csv(tmp_path / "p.csv", POLICY_HEADER, [row])))
    assert result.exit_code != 0
    assert "row 2" in result.output and field in result.output, result.output
    with app.app_context():
        assert Policy.select().count() == 0


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030", "utf-16"])
def test_a_nul_byte_after_the_first_64_kb_is_refused_naming_the_line(runner, app, tmp_path,
                                                                      encoding):
    rows = customer_rows(2000)
    rows[1500][2] = "客户\x00坏"
    path = write_csv(tmp_path / "c.csv", CUSTOMER_HEADER, rows, encoding=encoding)
    assert path.read_bytes().index("客户\x00坏".encode(encoding)[-6:]) > 64 * 1024
    result = runner("import", str(path))
    assert result.exit_code != 0
    assert "NUL" in result.output and "line 1502" in result.output, result.output
    with app.app_context():
        assert Customer.select().count() == 0


def test_a_header_only_file_says_it_has_no_rows(runner, app, tmp_path):
    path = write_csv(tmp_path / "c.csv", CUSTOMER_HEADER, [])
    result = runner("import", str(path))
    assert result.exit_code != 0
    assert "no rows" in result.output, result.output
