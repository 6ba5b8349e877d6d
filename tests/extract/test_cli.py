"""The `tipwatch extract` contract, through the installed command: one JSON line out per line in, errors inline."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import orjson

TIPWATCH = Path(sys.executable).with_name("tipwatch")


def run(stdin: bytes, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([str(TIPWATCH), "extract", *args], input=stdin, capture_output=True, timeout=120, check=False)


def test_contract() -> None:
    lines = [
        orjson.dumps({"id": 1, "text": "Call 98450 12345 or mail Riya (at) Gmail [dot] com, insta: @riya_22"}),
        b"not json at all",
        b"",
        orjson.dumps({"id": "b", "text": "nau aath char paanch shunya ek do teen char paanch, wa.me/919845012345"}),
        orjson.dumps([1, 2]),
        orjson.dumps({"id": 7}),
        orjson.dumps({"id": {"k": [1]}, "text": "nothing here"}),
    ]
    proc = run(b"\n".join(lines) + b"\n")
    assert proc.returncode == 0
    out = [orjson.loads(x) for x in proc.stdout.splitlines()]
    assert len(out) == len(lines)

    first = out[0]
    assert first["id"] == 1
    text = orjson.loads(lines[0])["text"]
    by_type = {i["type"]: i for i in first["identifiers"]}
    assert by_type["phone"]["value"] == "+919845012345"
    assert by_type["email"]["value"] == "riya@gmail.com"
    assert by_type["handle"]["value"] == "instagram:riya_22"
    for ident in first["identifiers"]:
        assert isinstance(ident["start"], int) and isinstance(ident["end"], int)
        assert 0 <= ident["start"] < ident["end"] <= len(text)
    assert text[by_type["phone"]["start"] : by_type["phone"]["end"]] == "98450 12345"

    for n in (2, 3, 5, 6):
        assert out[n - 1]["id"] is None
        assert out[n - 1]["line"] == n
        assert out[n - 1]["error"]
    values = {(i["type"], i["value"]) for i in out[3]["identifiers"]}
    assert {("phone", "+919845012345"), ("handle", "whatsapp:+919845012345")} <= values
    assert out[6] == {"id": {"k": [1]}, "identifiers": []}
    assert b"line 2" in proc.stderr


def test_region_option() -> None:
    proc = run(orjson.dumps({"id": 1, "text": "call 020 7946 0958"}) + b"\n", "--region", "GB")
    (line,) = proc.stdout.splitlines()
    assert [i["value"] for i in orjson.loads(line)["identifiers"] if i["type"] == "phone"] == ["+442079460958"]


def test_bad_region_is_a_usage_error() -> None:
    assert run(b"", "--region", "INDIA").returncode == 2


def test_empty_input_gives_empty_output() -> None:
    proc = run(b"")
    assert proc.returncode == 0 and proc.stdout == b""


def test_streams_answers_before_input_ends() -> None:
    proc = subprocess.Popen([str(TIPWATCH), "extract"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert proc.stdin is not None and proc.stdout is not None
    try:
        proc.stdin.write(orjson.dumps({"id": 1, "text": "call 9845012345"}) + b"\n")
        proc.stdin.flush()
        answer = orjson.loads(proc.stdout.readline())  # arrives while stdin is still open
        assert answer["identifiers"][0]["value"] == "+919845012345"
    finally:
        proc.stdin.close()
        proc.wait(timeout=60)
