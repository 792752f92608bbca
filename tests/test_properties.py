"""Property tests: the parsers meet arbitrary and mutated input with only their documented errors.

A parser may return data or raise ValueError (dates, amounts) or a SourceError (pages: layout
changed, portal error); any other exception would be a crash in the nightly run.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checks.budget import consolidated_pages as budget_mof
from checks.budget import entity_pages as budget_shilendans
from checks.declarations import pages as declarations_pages
from checks.legal import pages as legal_pages
from checks.tender import pages as tender_pages
from monitor.errors import SourceError
from monitor.mongolian import find_date, find_year_month, parse_amount, parse_date

FIXTURES = Path(__file__).resolve().parent / "fixtures"
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

DATE_PIECES = st.sampled_from(["2026", "10", "02", "оны", "дугаар", "дүгээр", "-р", "сарын", "өдөр", ".", "/",
                               "-", " ", ":", "00", "13", "32", "0", "ОНЫ", "Р"])
AMOUNT_PIECES = st.sampled_from(["1", "109", ",", ".", " ", "₮", "сая", "тэрбум", "төгрөг", "000", "-", "e5", "NaN"])


@FAST
@given(st.one_of(st.text(), st.lists(DATE_PIECES).map("".join)))
def test_date_parsers_return_a_date_or_raise_value_error(text: str) -> None:
    for parse in (parse_date, find_date):
        try:
            parse(text)
        except ValueError:
            pass
    find_year_month(text)


@FAST
@given(st.one_of(st.text(), st.lists(AMOUNT_PIECES).map("".join), st.integers(), st.floats(allow_nan=False)))
def test_amount_parser_returns_a_number_or_raises_value_error(value: Any) -> None:
    try:
        parse_amount(value)
    except ValueError:
        pass


def mutations(sample: str) -> st.SearchStrategy[str]:
    """The sample cut, with a piece removed, or with junk inserted somewhere."""
    size = len(sample)
    cut = st.integers(0, size).map(lambda i: sample[:i])
    hole = st.tuples(st.integers(0, size), st.integers(0, 400)).map(lambda t: sample[:t[0]] + sample[t[0] + t[1]:])
    junk = st.tuples(st.integers(0, size), st.text(max_size=40)).map(lambda t: sample[:t[0]] + t[1] + sample[t[0]:])
    return st.one_of(cut, hole, junk)


def json_mutations(sample: Any) -> st.SearchStrategy[Any]:
    """The sample with one value somewhere replaced by an arbitrary JSON value."""
    leaves = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
                          lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
                          max_leaves=6)
    paths = _paths(sample)
    return st.tuples(st.sampled_from(paths), leaves).map(lambda t: _replace(sample, t[0], t[1]))


def _paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, prefix + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, prefix + (index,))
    return found


def _replace(value: Any, path: tuple, new: Any) -> Any:
    if not path:
        return new
    copy = json.loads(json.dumps(value))
    target = copy
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = new
    return copy


def only_documented_errors(parse: Callable[[Any], Any], payload: Any) -> None:
    try:
        parse(payload)
    except SourceError:
        pass


HTML_PARSERS = [
    (tender_pages.parse_results_page, "tender/results/sample.html"),
    (tender_pages.parse_result_detail, "tender/result_detail/sample.html"),
    (tender_pages.parse_contracts_page, "tender/contracts/sample.html"),
    (budget_mof.parse_mof_page, "mof/sample.html"),
]
JSON_PARSERS = [
    (tender_pages.parse_invitation_page, "tender/invitations/sample.json"),
    (tender_pages.parse_invitation_page, "tender/invitations/real_records.json"),
    (declarations_pages.parse_search, "xacxom/search/sample.json"),
    (budget_shilendans.parse_organizations_page, "shilendans/organizations/sample.json"),
    (lambda payload: budget_shilendans.parse_reports(payload, 2026), "shilendans/reports/sample.json"),
    (legal_pages.parse_register_page, "legalinfo/sample.json"),
    (legal_pages.parse_drafts_page, "parliament/sample_preparation.json"),
    (legal_pages.parse_drafts_page, "parliament/sample_submitted.json"),
]


def test_the_register_fragment_survives_mutated_html() -> None:
    """legalinfo's rows are HTML inside JSON: mutate the fragment itself."""
    sample = json.loads((FIXTURES / "legalinfo/sample.json").read_text(encoding="utf-8"))
    FAST(given(mutations(sample["Html"]))(
        lambda html: only_documented_errors(legal_pages.parse_register_page, {**sample, "Html": html})))()


def test_every_html_parser_survives_mutated_samples() -> None:
    for parse, name in HTML_PARSERS:
        sample = (FIXTURES / name).read_text(encoding="utf-8")
        FAST(given(mutations(sample))(lambda text: only_documented_errors(parse, text)))()


def test_every_json_parser_survives_mutated_samples() -> None:
    for parse, name in JSON_PARSERS:
        sample = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
        FAST(given(json_mutations(sample))(lambda payload: only_documented_errors(parse, payload)))()
