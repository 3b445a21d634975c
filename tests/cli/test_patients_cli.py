"""patients --add: impossible birth years, sexes, age bands and IDs are refused (exit 2, one line,
nothing stored); the same checks (app.store.patient_fields) guard Store.create_patient."""

from __future__ import annotations

from datetime import date

import pytest

import main
from app.errors import InputError
from app.store import open_store
from app.store.patient_fields import MIN_BIRTH_YEAR, validate_patient_fields
from tests.hardening.helpers import one_clear_line


def _cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    "args, words",
    [
        (("--birth-year", "3000"), "birth year must be between 1900 and"),
        (("--birth-year", "1850"), "birth year must be between 1900 and"),
        (("--birth-year", "abc"), "birth year must be a year"),
        (("--birth-year", "-5"), "birth year must be a year"),
        (("--sex", "female"), "sex must be F, M or X"),
        (("--sex", "Q"), "sex must be F, M or X"),
        (("--age-band", "old"), "age band must look like 40-49"),
        (("--age-band", "60-40"), "age band must look like 40-49"),
        (("--pseudonym", "12"), "patient ID must not be only digits"),
        (("--pseudonym", "two words"), "patient ID must be one word"),
    ],
)
def test_add_refuses_impossible_values(tmp_path, capsys, args, words):
    d = str(tmp_path / "d")
    code, out, err = _cli(capsys, "patients", "--add", *args, "--data-dir", d)
    assert code == 2 and out == ""
    assert words in one_clear_line(err)
    assert not (tmp_path / "d").exists()  # refused before the store was even opened


def test_add_accepts_and_normalises_good_values(tmp_path, capsys):
    d = str(tmp_path / "d")
    code, out, err = _cli(capsys, "patients", "--add", "--birth-year", "1962", "--sex", "f", "--age-band", "60 - 69",
                          "--name", "  Ada   Lovelace ", "--data-dir", d)  # fmt: skip
    assert code == 0, err
    with open_store(d) as store:
        p = store.get_patient(out.strip())
    assert (p.birth_year, p.sex, p.age_band, p.name) == (1962, "F", "60-69", "Ada Lovelace")


def test_identity_options_without_add_are_refused(tmp_path, capsys):
    code, _, err = _cli(capsys, "patients", "--name", "Ada", "--data-dir", str(tmp_path / "d"))
    assert code == 2 and "go with --add" in one_clear_line(err)


def test_store_create_patient_uses_the_same_rule(tmp_path):
    with open_store(tmp_path) as store:
        with pytest.raises(InputError, match="birth year must be between"):
            store.create_patient(birth_year=3000)
        with pytest.raises(InputError, match="sex must be"):
            store.create_patient(sex="female")
        assert store.list_patients() == []


def test_limits_of_the_birth_year():
    today = date(2026, 6, 1)
    assert validate_patient_fields(birth_year=MIN_BIRTH_YEAR, today=today).birth_year == MIN_BIRTH_YEAR
    assert validate_patient_fields(birth_year="2026", today=today).birth_year == 2026
    assert validate_patient_fields(birth_year="  ", today=today).birth_year is None  # a blank form field
    with pytest.raises(InputError, match="between 1900 and 2026, not 2027"):
        validate_patient_fields(birth_year=2027, today=today)
    with pytest.raises(InputError, match="not 1899"):
        validate_patient_fields(birth_year=1899, today=today)
