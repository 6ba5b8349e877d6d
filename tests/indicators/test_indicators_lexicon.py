"""Lexicon files: the package's load and validate; a broken file or entry gives an error naming file and entry."""

from __future__ import annotations

from pathlib import Path

import pytest

from tipwatch.indicators.config import KnowledgeError
from tipwatch.indicators.lexicon import LEXICON_DIR, default_lexicon, load_lexicon
from tipwatch.indicators.patterns import PatternError, WordSet, compile_patterns, expand, parse

GOOD_ENTRY = """
  - code: TEST_GOOD
    category: youth
    weight: 0.5
    source: memex
    patterns: ["sparkly unicorn"]
"""


def _write(tmp_path: Path, body: str, name: str = "broken.en.yaml") -> Path:
    folder = tmp_path / "lex"
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(body, encoding="utf-8")
    return folder


def test_package_lexicon_covers_languages_domains_and_cites_sources() -> None:
    lexicon = default_lexicon()
    languages = {e.language for e in lexicon.entries}
    domains = {e.domain for e in lexicon.entries}
    assert {"en", "hi", "hi-Latn", "bn", "und"} <= languages
    assert {"sex_ad", "job_ad", "dating"} <= domains
    sources = lexicon.knowledge.sources
    for entry in lexicon.entries:
        assert entry.source in sources
        assert entry.citation == sources[entry.source].cite
        assert entry.patterns, entry.code
    categories = {e.category for e in lexicon.entries}
    expected = {"youth", "trust", "ethnicity", "third_party", "movement", "recruitment_fee", "documents", "emoji"}
    assert expected <= categories


def test_default_lexicon_is_loaded_once() -> None:
    assert default_lexicon() is default_lexicon()


def _bad(category: str = "youth", weight: str = "1", source: str = "memex", patterns: str = "patterns: [x]") -> str:
    return f"  - code: TEST_BAD\n    category: {category}\n    weight: {weight}\n    source: {source}\n    {patterns}\n"


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        (_bad(weight="heavy"), "weight"),
        (_bad(category="nonsense"), "category"),
        (_bad(source="my_cousin"), "source"),
        (_bad(patterns="patterns: []"), "patterns"),
        (_bad(patterns="patterns: ['{nope} girls']"), "nope"),
        (_bad(patterns="patterns: ['a ~99 b']"), "gap"),
        (_bad(patterns="pattern: [x]"), "pattern"),
        (_bad(category="mitigating"), "sign"),
    ],
)
def test_broken_entry_error_names_file_and_entry(tmp_path: Path, entry: str, expected: str) -> None:
    folder = _write(tmp_path, "domain: sex_ad\nlanguage: en\nentries:\n" + GOOD_ENTRY + entry)
    with pytest.raises(KnowledgeError) as err:
        load_lexicon([folder])
    message = str(err.value)
    assert "broken.en.yaml" in message
    assert "entry 2 (TEST_BAD)" in message
    assert expected in message


def test_invalid_yaml_names_the_file(tmp_path: Path) -> None:
    folder = _write(tmp_path, "entries: [\n  - code: X\n")
    with pytest.raises(KnowledgeError, match=r"broken\.en\.yaml: invalid YAML"):
        load_lexicon([folder])


def test_entry_without_domain_or_language_is_rejected(tmp_path: Path) -> None:
    folder = _write(tmp_path, "entries:\n" + GOOD_ENTRY)
    with pytest.raises(KnowledgeError, match=r"entry 1 \(TEST_GOOD\): domain"):
        load_lexicon([folder])


def test_same_code_must_keep_its_category_across_files(tmp_path: Path) -> None:
    _write(tmp_path, "domain: sex_ad\nlanguage: en\nentries:\n" + GOOD_ENTRY, "a.en.yaml")
    other = "domain: sex_ad\nlanguage: hi\nentries:\n" + GOOD_ENTRY.replace("youth", "trust")
    folder = _write(tmp_path, other, "b.hi.yaml")
    with pytest.raises(KnowledgeError, match="TEST_GOOD"):
        load_lexicon([folder])


def test_extra_folder_adds_entries_to_the_package_lexicon(tmp_path: Path) -> None:
    folder = _write(tmp_path, "domain: sex_ad\nlanguage: en\nentries:\n" + GOOD_ENTRY, "local.en.yaml")
    lexicon = load_lexicon([LEXICON_DIR, folder])
    codes = {e.code for e in lexicon.entries}
    assert "TEST_GOOD" in codes and "SEX_YOUTH_WORDING" in codes
    assert lexicon.digest != default_lexicon().digest


def test_missing_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeError, match="does not exist"):
        load_lexicon([tmp_path / "nowhere"])


def test_word_sets_expand_with_canonical_tags() -> None:
    sets = {"nat": WordSet((("russian", "russian"), ("रूसी", "russian"), ("nepali", "nepali")))}
    expanded = expand("{nat} girls", sets)
    assert expanded == [("russian girls", "russian"), ("रूसी girls", "russian"), ("nepali girls", "nepali")]
    with pytest.raises(PatternError, match="unknown word set"):
        expand("{other} girls", sets)


def test_pattern_parts_gaps_and_stems() -> None:
    compiled = parse("Hand over ~2 passport*", str.casefold)
    assert [(p.literal, p.prefix) for p in compiled.parts] == [("hand over", False), ("passport", True)]
    assert compiled.gaps == (2,)
    stem_then_word = parse("ladki* chahiye", str.casefold)
    assert [(p.literal, p.prefix) for p in stem_then_word.parts] == [("ladki", True), ("chahiye", False)]
    assert stem_then_word.gaps == (0,)
    assert parse("24*7", str.casefold).parts[0].literal == "24*7"  # a star inside a word is literal
    for bad in ("~2 passport", "passport ~2", "a ~1 ~2 b", "x* ", "*"):
        with pytest.raises(PatternError):
            parse(bad, str.casefold)


def test_duplicate_patterns_compile_once() -> None:
    def fold(text: str) -> str:
        return " ".join(text.casefold().split())

    compiled = compile_patterns(["Fresh girls", "fresh  girls", "FRESH GIRLS"], {}, fold)
    assert len(compiled) == 1
