"""Waiver files: TOML or JSON, checked against their schema."""

from datetime import date

import pytest

from ec2conformance.waivers import WaiverFileError, load_waivers


def test_toml_waivers_load(tmp_path):
    path = tmp_path / "w.toml"
    path.write_text(
        '[[waiver]]\nid = "ERR-NAMESPACE"\nreason = "adds xmlns"\n'
        'link = "https://example.org/1"\nexpires = 2027-03-01\n'
        '[[waiver]]\nid = "WIRE-NO-VERSION"\nreason = "ignores it"\n'
    )
    waivers = load_waivers(path, {"ERR-NAMESPACE", "WIRE-NO-VERSION"})
    assert waivers["ERR-NAMESPACE"].expires == date(2027, 3, 1)
    assert waivers["ERR-NAMESPACE"].link == "https://example.org/1"
    assert waivers["WIRE-NO-VERSION"].expires is None


def test_json_waivers_load(tmp_path):
    path = tmp_path / "w.json"
    path.write_text('{"waiver": [{"id": "ERR-NAMESPACE", "reason": "x"}]}')
    assert load_waivers(path)["ERR-NAMESPACE"].reason == "x"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[waiver]]\nid = "ERR-NAMESPACE"\n', "'reason' is a required property"),
        ('[[waiver]]\nid = "NOPE-1"\nreason = "r"\n', "not a requirement"),
        ('[[waiver]]\nid = "ERR-NAMESPACE"\nreason = "r"\ncolour = 1\n', "colour"),
        ("not toml [", "not valid"),
        (
            '[[waiver]]\nid = "ERR-NAMESPACE"\nreason = "r"\n'
            '[[waiver]]\nid = "ERR-NAMESPACE"\nreason = "r"\n',
            "twice",
        ),
    ],
)
def test_bad_waiver_files_are_rejected_with_a_reason(tmp_path, text, message):
    path = tmp_path / "w.toml"
    path.write_text(text)
    with pytest.raises(WaiverFileError, match=message):
        load_waivers(path, {"ERR-NAMESPACE"})
