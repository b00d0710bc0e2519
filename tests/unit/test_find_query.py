"""The find query language: text (smart case), regular expressions and JSON field conditions."""

import json
import re

import pytest

from natstui.model.find import QueryError, parse_condition, parse_query, parse_range, parse_sequence

ORDER = json.dumps(
    {"id": 7, "customer": {"country": "DE", "name": "Jürgen"}, "items": [{"sku": "A-1"}], "total": 42.5},
    ensure_ascii=False,
)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("jürgen", True),  # smart case: lower case ignores case
        ("Jürgen", True),
        ("JÜRGEN", False),  # a capital letter makes it exact
        ("country", True),
        ("nowhere", False),
        ('/"sku":\\s*"A-\\d"/', True),
        ("/COUNTRY/", False),
        ("/COUNTRY/i", True),
        ('.customer.country == "DE"', True),
        (".customer.country == DE", True),  # a bare word is a string
        ('.customer.country != "DE"', False),
        ('.customer.country == "FR"', False),
        (".total > 40", True),
        (".total < 40", False),
        (".id == 7", True),
        ('.items[0].sku == "A-1"', True),
        ('.items[1].sku == "A-1"', False),
        ('.items contains {"sku": "A-1"}', True),
        (".customer.name contains rg", True),
        (".customer contains country", True),
        (".customer.country exists", True),
        (".customer.city exists", False),
        (".customer.country", True),
        ('."customer".country == "DE"', True),
        ('.["customer"]["country"] == "DE"', True),
    ],
)
def test_queries_match_the_payload(query, expected):
    assert parse_query(query).matches(ORDER.encode()) is expected


def test_a_condition_never_matches_what_is_not_json():
    query = parse_query('.customer.country == "DE"')
    assert not query.matches(b'"customer" "country" DE but not JSON')
    assert not query.matches(b"\xff\xfe")
    assert not query.matches(json.dumps([1, 2]).encode())


def test_an_escaped_key_is_still_found():
    assert parse_query('.customer.country == "DE"').matches(b'{"customer": {"c\\u006funtry": "DE"}}')


def test_numbers_sent_as_text_compare_as_numbers():
    assert parse_query(".n > 10").matches(b'{"n": "42"}')
    assert parse_query(".n == 42").matches(b'{"n": "42"}')
    assert not parse_query(".flag == 1").matches(b'{"flag": true}')


def test_a_backslash_takes_the_rest_as_text():
    query = parse_query("\\.customer")
    assert query.kind == "text"
    assert query.matches(b"x.customer")


@pytest.mark.parametrize(
    ("query", "said"),
    [
        ("", "type something"),
        ("/a(/", "not a regular expression"),
        ("/a/x", "unknown regular expression flag"),
        (".a ~ 3", "expected one of"),
        (".a ==", "a value is needed"),
        (".a[x] == 1", "not an index"),
        (".a exists 3", "nothing comes after"),
        ('.a == "open', "not a JSON value"),
    ],
)
def test_bad_queries_say_why(query, said):
    with pytest.raises(QueryError, match=said):
        parse_query(query)


def test_the_highlight_marks_the_match_as_shown():
    pretty = json.dumps(json.loads(ORDER), indent=2, ensure_ascii=False)
    found = re.search(parse_query('.customer.country == "DE"').highlight(), pretty)
    assert found is not None and found.group(0) == '"country": "DE"'
    assert re.search(parse_query("jürgen").highlight(), pretty).group(0) == "Jürgen"
    assert re.search(parse_query("/A-\\d/").highlight(), pretty).group(0) == "A-1"


def test_conditions_describe_themselves():
    assert parse_condition('.a."b c"[2] == "x"').describe() == '.a."b c"[2] == "x"'
    assert parse_query(".a.b exists").describe() == "JSON .a.b exists"


def test_ranges():
    assert parse_range("100..200") == ("100", "200")
    assert parse_range("..200") == ("", "200")
    assert parse_range("10:00..") == ("10:00", "")
    assert parse_range("5") == ("5", "")
    assert parse_sequence("1,000") == 1000
    assert parse_sequence("10:00") is None
