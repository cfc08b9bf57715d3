"""The layers go one way: HTTP (server, edge) -> schema -> resolvers -> rules -> models.

Read from the source with `ast`: the rules and the models know no GraphQL (neither strawberry
nor graphql-core), the models know nothing above them, the rules nothing of the API, the
resolvers nothing of the server; and nothing but the command line reads the demo data.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "contacts_api"
LAYERS = [
    "edge",
    "planner",
    "schema",
    "resolvers",
    "rules",
    "mail",
    "models",
    "runtime",
    "migrations",
]


def modules(folder: str) -> list[Path]:
    path = ROOT / folder
    return [path] if path.is_file() else sorted(path.rglob("*.py"))


def imports(path: Path) -> set[str]:
    """The modules `path` imports when it runs (imports only for type checkers left out)."""
    tree = ast.parse(path.read_text())
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            node.body = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def offending(folder: str, forbidden: tuple[str, ...]) -> list[str]:
    return [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in modules(folder)
        for name in sorted(imports(path))
        if any(name == prefix or name.startswith(f"{prefix}.") for prefix in forbidden)
    ]


@pytest.mark.parametrize("folder", ["rules", "models", "mail"])
def test_the_rules_and_the_models_know_no_graphql(folder: str) -> None:
    assert offending(folder, ("strawberry", "graphql")) == []


def test_the_models_know_nothing_above_them() -> None:
    above = tuple(f"{PACKAGE}.{layer}" for layer in ("rules", "resolvers", "schema", "edge"))
    assert offending("models", (*above, f"{PACKAGE}.server")) == []


def test_the_rules_know_nothing_of_the_api() -> None:
    api = tuple(f"{PACKAGE}.{layer}" for layer in ("resolvers", "schema", "edge"))
    assert offending("rules", (*api, f"{PACKAGE}.server")) == []


def test_the_resolvers_know_nothing_of_the_server_or_the_schema() -> None:
    assert offending("resolvers", (f"{PACKAGE}.server", f"{PACKAGE}.schema")) == []


def test_the_planner_is_one_bounded_place_that_decides_no_rule() -> None:
    """It asks the access rules' one home (`rules.authorization`, with the catalogue it
    reads) who sees and manages what, and knows no other rule; and nothing below the server
    knows it exists."""
    assert offending("planner", (f"{PACKAGE}.server", f"{PACKAGE}.edge")) == []
    asked = {
        name
        for path in modules("planner")
        for name in imports(path)
        if name.startswith(f"{PACKAGE}.rules.")
    }
    homes = (f"{PACKAGE}.rules.authorization", f"{PACKAGE}.rules.catalogue")
    assert {name for name in asked if not name.startswith(homes)} == set()
    assert f"{PACKAGE}.rules.authorization" in asked
    for folder in ("schema", "resolvers", "rules", "models", "edge"):
        assert offending(folder, (f"{PACKAGE}.planner",)) == []


def test_the_invitation_lifecycle_does_not_borrow_from_the_contacts_one() -> None:
    assert offending("rules/invitations.py", (f"{PACKAGE}.rules.contacts",)) == []


@pytest.mark.parametrize("folder", [layer for layer in LAYERS if layer != "runtime"])
def test_only_the_command_line_reads_the_demo_data(folder: str) -> None:
    demo = f"{PACKAGE}.runtime.demo"
    assert offending(folder, (demo,)) == []
    assert demo not in imports(ROOT / "server.py")
