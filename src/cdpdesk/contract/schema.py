"""JSON Schemas of the two public formats."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from cdpdesk.contract.analysis import Analysis
from cdpdesk.contract.case import CaseFile
from cdpdesk.contract.whatif import WhatIf

SCHEMAS: dict[str, type[BaseModel]] = {"case": CaseFile, "analysis": Analysis, "whatif": WhatIf}


def json_schema(which: str) -> dict[str, Any]:
    model = SCHEMAS[which]
    schema: dict[str, Any] = model.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = f"cdpdesk.{which}/1"
    return schema
