"""Outputs share no mutable object: changing one analysis never changes another (issue 10).

The engine caches rule results (``lru_cache``) across cases, so a cached Why or list could
leak into two analyses. Every dict and list in an output must be its own.
"""

from __future__ import annotations

import json
from typing import Any

from tests.conftest import load_worked, worked_files

from cdpdesk.contract import load_case
from cdpdesk.engine import analyze

CASES = [load_worked(p)["case"] for p in worked_files()]


def _containers(value: Any, out: list[Any]) -> None:
    if isinstance(value, dict):
        out.append(value)
        for v in value.values():
            _containers(v, out)
    elif isinstance(value, list):
        out.append(value)
        for v in value:
            _containers(v, out)


def _scramble(value: Any) -> None:
    """Change every dict and list in place."""
    if isinstance(value, dict):
        for k in list(value):
            _scramble(value[k])
            value[k] = "changed" if not isinstance(value[k], dict | list) else value[k]
        value["scrambled"] = True
    elif isinstance(value, list):
        for v in value:
            _scramble(v)
        value.append("scrambled")


def test_no_container_is_reachable_twice_within_or_across_outputs() -> None:
    first = [analyze(load_case(json.dumps(c))) for c in CASES]
    second = [analyze(load_case(json.dumps(c))) for c in CASES]  # warm caches: the risky case
    seen: dict[int, str] = {}
    for label, outputs in (("first", first), ("second", second)):
        for i, out in enumerate(outputs):
            found: list[Any] = []
            _containers(out, found)
            assert len(found) > 10
            for obj in found:
                where = f"{label} run, case {i}"
                assert id(obj) not in seen, f"a {type(obj).__name__} is shared: {seen[id(obj)]} and {where}"
                seen[id(obj)] = where


def test_changing_one_analysis_leaves_the_others_unchanged() -> None:
    outputs = [analyze(load_case(json.dumps(c))) for c in CASES]
    before = [json.dumps(o, sort_keys=True) for o in outputs]
    again = [analyze(load_case(json.dumps(c))) for c in CASES]
    for o in outputs:
        _scramble(o)
    assert [json.dumps(o, sort_keys=True) for o in again] == before
    fresh = [analyze(load_case(json.dumps(c))) for c in CASES]
    assert [json.dumps(o, sort_keys=True) for o in fresh] == before
