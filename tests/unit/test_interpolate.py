"""`${VAR}` interpolation behaves like docker-compose, including the seed's nested defaults."""

from __future__ import annotations

import pytest

from meshtui.config.interpolate import InterpolationError, interpolate

ENV = {"A": "alpha", "EMPTY": "", "DOMAIN": "mesh.local"}


@pytest.mark.parametrize("text,expected", [
    ("plain", "plain"),
    ("${A}", "alpha"),
    ("$A-x", "alpha-x"),
    ("${MISSING:-dflt}", "dflt"),
    ("${EMPTY:-dflt}", "dflt"),
    ("${EMPTY-dflt}", ""),
    ("${MISSING-dflt}", "dflt"),
    ("${A:+set}", "set"),
    ("${MISSING:+set}", ""),
    ("cost: $$5", "cost: $5"),
    ("${HOSTNAME_X:-server.${DOMAIN:-example.com}}", "server.mesh.local"),
    ("${HOSTNAME_X:-server.${NOPE:-example.com}}", "server.example.com"),
    ("mysql://${U:-root}:${P:-pw}@${H:-db}/x?charset=${C:-utf8}&parseTime=True",
     "mysql://root:pw@db/x?charset=utf8&parseTime=True"),
])
def test_expands_like_compose(text: str, expected: str) -> None:
    assert interpolate(text, ENV) == expected


@pytest.mark.parametrize("text,variable", [("${MISSING}", "MISSING"), ("$MISSING", "MISSING"),
                                           ("${EMPTY:?must be set}", "EMPTY"), ("${NOPE?}", "NOPE")])
def test_missing_values_are_errors_naming_the_variable(text: str, variable: str) -> None:
    with pytest.raises(InterpolationError) as info:
        interpolate(text, ENV)
    assert info.value.variable == variable


@pytest.mark.parametrize("text", ["${A", "${}", "${1BAD}", "${A:x}"])
def test_malformed_syntax_is_an_error(text: str) -> None:
    with pytest.raises(InterpolationError):
        interpolate(text, ENV)
