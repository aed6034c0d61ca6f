"""The rule index: every rule of law.md the engine decides, the function that decides it,
its authorities and its section, read from the engine's own registry.

``cdpdesk rules --markdown`` prints :func:`rules_markdown`; ``docs/rules.md`` is that output,
and a test fails when it is stale. Pure: this module builds text, it writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

# Importing the pipeline loads every rule module, so the registry is complete.
from cdpdesk.engine import analyze as _analyze  # noqa: F401
from cdpdesk.engine import authority as A


@dataclass(frozen=True, slots=True)
class IndexEntry:
    rule: A.Rule
    functions: tuple[str, ...]  # "module.qualname" of each function that decides it


def all_rules() -> list[A.Rule]:
    """Every rule of :mod:`cdpdesk.engine.authority`, in the order they are defined there."""
    return [r for r in vars(A).values() if isinstance(r, A.Rule)]


def rule_index() -> list[IndexEntry]:
    """The index, by law.md section and then in definition order."""
    rules = all_rules()
    order = {r.id: i for i, r in enumerate(rules)}

    def section_key(r: A.Rule) -> tuple[tuple[int, ...], int]:
        return tuple(int(x) for x in r.section.split(".")), order[r.id]

    return [IndexEntry(r, tuple(A.IMPLEMENTED_BY.get(r.id, ()))) for r in sorted(rules, key=section_key)]


SECTION_TITLES = {
    "2": "Days, holidays and the timely-filing rules",
    "3.1": "Levy notice (IRC 6330)",
    "3.2": "Lien notice (IRC 6320)",
    "3.3": "Classification",
    "3.4": "Deadlines moved or stretched by relief",
    "4.1": "The base date",
    "4.2": "How suspension is counted",
    "4.3": "What suspends, and for how long",
    "4.4": "Floors",
    "4.5": "When a CDP determination becomes final",
    "4.6": "The IRS's posted CSED, checked",
    "5": "What a withdrawal does (Letter 4383)",
}


def rules_markdown() -> str:
    """docs/rules.md: one table row per rule, grouped by law.md section."""
    lines = [
        "# The rule index",
        "",
        "Generated from the engine's rule registry by `cdpdesk rules --markdown > docs/rules.md`;",
        "a test fails when this file is stale. Each rule is the `Rule` of",
        "`src/cdpdesk/engine/authority.py` with that id; its function is marked",
        "`@implements(...)` in the module named. Section numbers are those of the rule book",
        "(law.md). Search this page for an authority (for example `IRC 6503(c)`) to find the",
        "function that applies it.",
        "",
    ]
    current = None
    for entry in rule_index():
        r = entry.rule
        if r.section != current:
            current = r.section
            title = SECTION_TITLES.get(current, "")
            lines += ["", f"## law.md {current}{': ' + title if title else ''}", ""]
            lines += ["| rule | decides | function | authorities |", "|---|---|---|---|"]
        funcs = "<br>".join(f"`{f}`" for f in entry.functions) or "(none)"
        auth = "; ".join(r.authority)
        lines.append(f"| `{r.id}` | {r.decides} | {funcs} | {auth} |")
    return "\n".join(lines).replace("\n\n\n", "\n\n") + "\n"
