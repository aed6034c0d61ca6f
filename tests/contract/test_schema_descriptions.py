"""Both JSON Schemas explain themselves: every property, at every depth, has a description."""

from __future__ import annotations

from typing import Any

import pytest

from cdpdesk.contract.schema import json_schema


def undescribed(node: Any, path: str = "") -> list[str]:
    """Every property under ``node`` (objects, $defs, items, unions) with no description."""
    found: list[str] = []
    if isinstance(node, dict):
        for name, prop in node.get("properties", {}).items():
            if not (isinstance(prop, dict) and str(prop.get("description", "")).strip()):
                found.append(f"{path}.{name}")
        for key, value in node.items():
            found += undescribed(value, f"{path}.{key}" if path else key)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found += undescribed(value, f"{path}[{i}]")
    return found


@pytest.mark.parametrize(
    ("which", "nested"),
    [
        ("case", {"LevyNotice", "HearingWithdrawal", "Policies", "Assessment"}),
        ("analysis", {"HearingOut", "SuspensionOut", "WhyOut", "FloorOut"}),
        ("whatif", {"ChangeOut", "WithdrawalOut", "Analysis", "HearingOut"}),
    ],
)
def test_every_property_has_a_description(which: str, nested: set[str]) -> None:
    schema = json_schema(which)
    assert nested <= set(schema["$defs"])  # the walk reaches the nested models too
    assert undescribed(schema) == []


def test_the_walk_finds_a_missing_description() -> None:
    schema = {
        "properties": {"a": {"description": "x"}},
        "$defs": {"M": {"properties": {"b": {"type": "string"}}}},
    }
    assert undescribed(schema) == ["$defs.M.b"]


def test_descriptions_say_what_the_fields_mean() -> None:
    props = json_schema("analysis")["$defs"]["HearingOut"]["properties"]
    assert "equivalent hearing" in props["eh_deadline"]["description"]
    assert "null until it is final" in props["final"]["description"]
    assert (
        "lower bound"
        in json_schema("analysis")["$defs"]["AssessmentOut"]["properties"]["open"]["description"]
    )
