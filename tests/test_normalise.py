import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.store.normalise import (
    channel_of,
    check_url,
    content_hash,
    html_to_text,
    normalise_text,
    parse_datetime,
)


def test_html_is_stripped_to_text_with_entities_decoded_and_scripts_dropped():
    html = "<p>Great&nbsp;<b>support</b> &amp; fast</p><script>alert(1)</script><p>Second</p>"
    assert normalise_text(html) == "Great support & fast\n\nSecond"


def test_plain_text_with_angle_brackets_is_not_mangled():
    assert normalise_text("price < 5 and AT&T > 3") == "price < 5 and AT&T > 3"


def test_unicode_is_nfc_and_invisible_characters_go():
    decomposed = "Cafe\u0301\u200b is\u00a0great\x07"
    assert normalise_text(decomposed) == "Café is great"


def test_whitespace_collapses_but_paragraphs_stay():
    assert normalise_text("  one\t two \r\n\r\n\r\n\n three  ") == "one two\n\nthree"


def test_same_text_different_spacing_has_same_hash():
    assert content_hash(normalise_text("a  b\n\nc")) == content_hash(normalise_text("a b c"))
    assert content_hash("a b") != content_hash("a c")


@pytest.mark.parametrize(
    "url", ["ftp://x.com/a", "javascript:alert(1)", "x.com/a", "http://", "http://a b.com"]
)
def test_bad_urls_are_refused(url):
    with pytest.raises(ValueError):
        check_url(url)


def test_dates_in_several_forms_become_utc():
    assert parse_datetime("2025-03-01") == "2025-03-01T00:00:00Z"
    assert parse_datetime("2025-03-01T10:00:00+02:00") == "2025-03-01T08:00:00Z"
    assert parse_datetime("Sat, 01 Mar 2025 10:00:00 GMT") == "2025-03-01T10:00:00Z"
    assert parse_datetime(1740823200) == "2025-03-01T10:00:00Z"


@pytest.mark.parametrize("value", ["yesterday", "2025-13-45", "", "3000-01-01", 10**20, "1970-01-01"])
def test_bad_dates_are_refused(value):
    with pytest.raises(ValueError):
        parse_datetime(value)


def test_channel_is_the_host_without_www():
    assert channel_of("https://www.reddit.com/r/x") == "reddit.com"
    assert channel_of(None) is None


@given(st.text(max_size=300))
def test_normalising_is_idempotent(text):
    once = normalise_text(text)
    assert normalise_text(once) == once or html_to_text(once) != once
