"""The private names of libraries the project relies on: listed, still there, and contained.

Each module that relies on a private or internal name of strawberry, strawberry-django,
graphql-core, channels, channels-redis or daphne opens with a block like

    Library internals relied on (checked with strawberry-graphql 0.341.2):
    - `strawberry.schema.schema.Schema._schema` (instance attribute): why.

Only modules of graphql_api/execution/ and realtime/ may have one. For every listed name
the test imports its module and resolves the attribute chain (an instance attribute is
looked up on the class: declared, or assigned in its source, and where the project can
build the object, on the real one), so an upgrade that renames or drops one fails here,
by name. The versions in the block must be the installed ones: after an upgrade, re-check
the names of that module and update its block (README, "Upgrading a library").
"""

from __future__ import annotations

import ast
import asyncio
import importlib
import importlib.metadata
import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
CONTAINED_IN = ("graphql_api/execution", "realtime")
SCANNED = ("graphql_api", "realtime", "domain", "project")
HEADER_START = "Library internals relied on (checked with "
HEADER = re.compile(r"^Library internals relied on \(checked with (?P<versions>[^)]+)\):$")
ENTRY = re.compile(r"^- `(?P<name>[A-Za-z_][\w.]*)`(?P<instance> \(instance attribute\))?")
# Older wordings of the block: a module that still uses one is not checked, so it fails.
OTHER_WORDINGS = re.compile(r"(Private names|Library internals|Private APIs) relied on")
VERSION = re.compile(r"(?P<dist>[A-Za-z][\w.-]*) (?P<version>\d+(?:\.\d+)+)")


@dataclass(frozen=True)
class Entry:
    module: str  # the project module that relies on it
    name: str  # the dotted path
    instance: bool

    def __str__(self) -> str:
        return self.name


def _python_modules(folder: str) -> list[tuple[str, Path]]:
    modules = []
    for path in sorted((ROOT / folder).rglob("*.py")):
        if "migrations" in path.parts:
            continue
        dotted = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        modules.append((dotted.removesuffix(".__init__"), path))
    return modules


def _docstring(path: Path) -> str:
    return ast.get_docstring(ast.parse(path.read_text())) or ""


def _block(docstring: str) -> tuple[str, list[tuple[str, bool]]] | None:
    """The versions line and the (name, instance attribute?) entries of a module's block."""
    lines = docstring.splitlines()
    for index, line in enumerate(lines):
        if not line.startswith(HEADER_START):
            continue
        end = index  # a header naming several libraries may wrap
        while not lines[end].rstrip().endswith("):") and end + 1 < len(lines):
            end += 1
        header = HEADER.match(" ".join(part.strip() for part in lines[index : end + 1]))
        assert header is not None, f"not a header: {lines[index : end + 1]!r}"
        entries = []
        for entry_line in lines[end + 1 :]:
            if entry_line.startswith("- "):
                entry = ENTRY.match(entry_line)
                assert entry is not None, f"not a `dotted.path` entry: {entry_line!r}"
                entries.append((entry["name"], entry["instance"] is not None))
            elif not entry_line.startswith("  "):
                break
        return header["versions"], entries
    return None


def _declaring_modules() -> dict[str, tuple[str, list[tuple[str, bool]]]]:
    blocks = {}
    for folder in SCANNED:
        for module, path in _python_modules(folder):
            block = _block(_docstring(path))
            if block is not None:
                blocks[module] = block
    return blocks


BLOCKS = _declaring_modules()
ENTRIES = [
    Entry(module, name, instance)
    for module, (_, entries) in BLOCKS.items()
    for name, instance in entries
]


def _import_longest_module(parts: list[str]) -> tuple[Any, list[str]]:
    for end in range(len(parts), 0, -1):
        try:
            return importlib.import_module(".".join(parts[:end])), parts[end:]
        except ModuleNotFoundError:
            continue
    raise AssertionError(f"no importable module in {'.'.join(parts)}")


def _attribute(owner: Any, name: str, dotted: str) -> Any:
    if hasattr(owner, name):
        return getattr(owner, name)
    if name in getattr(owner, "__dataclass_fields__", {}):  # a field without a default
        return owner.__dataclass_fields__[name]
    raise AssertionError(f"{dotted}: {owner!r} has no attribute {name!r}")


def resolve(dotted: str) -> Any:
    """Import the module of `dotted`, then follow its attribute chain."""
    value, rest = _import_longest_module(dotted.split("."))
    for name in rest:
        value = _attribute(value, name, dotted)
    return value


def _assigned_on_instances(cls: type, name: str) -> bool:
    """Whether instances of `cls` get `name`: declared (annotation, dataclass field,
    slot) or assigned as `self.<name>` in the source of a class of its MRO."""
    assignment = re.compile(rf"\bself\.{re.escape(name)}\s*(:[^=\n]+)?=[^=]")
    for klass in cls.__mro__:
        if name in vars(klass).get("__annotations__", {}) or name in vars(klass).get(
            "__slots__", ()
        ):
            return True
        if name in getattr(klass, "__dataclass_fields__", {}):
            return True
        try:
            source = inspect.getsource(klass)
        except (OSError, TypeError):
            continue
        if assignment.search(source):
            return True
    return False


# Names the project can check on a real object, beyond their declaration.
def _schema_holds_its_graphql_core_schema() -> None:
    from graphql import GraphQLSchema

    from graphql_api.schema import schema

    assert isinstance(vars(schema)["_schema"], GraphQLSchema)


def _strawberry_django_types_carry_their_definition() -> None:
    from strawberry_django.type import StrawberryDjangoDefinition

    from graphql_api.execution.core_schema import core_schema
    from graphql_api.schema import schema

    definitions = [
        getattr(
            getattr(schema.get_type_by_name(name), "origin", None),
            "__strawberry_django_definition__",
            None,
        )
        for name in core_schema(schema).type_map
    ]
    assert any(isinstance(d, StrawberryDjangoDefinition) for d in definitions)


def _cursor_refusal_is_still_told_by_its_message() -> None:
    from strawberry.relay import to_base64
    from strawberry_django.relay.cursor_connection import OrderedCollectionCursor

    from graphql_api.execution.error_codes import STRAWBERRY_DJANGO_INVALID_CURSOR

    with pytest.raises(ValueError) as refusal:
        OrderedCollectionCursor.from_cursor(to_base64("not-ours", "[]"), [])
    assert type(refusal.value) is ValueError
    assert str(refusal.value) == STRAWBERRY_DJANGO_INVALID_CURSOR


def _an_exception_out_of_a_hook_still_leaves_coded() -> None:
    import strawberry
    from strawberry.extensions import SchemaExtension

    from graphql_api.execution.coded_schema import ApiSchema, ErrorCodes

    class Broken(SchemaExtension):
        def on_execute(self):  # type: ignore[no-untyped-def]
            raise RuntimeError("the database is down")
            yield  # pragma: no cover

    @strawberry.type
    class Query:
        value: int = 1

    broken = ApiSchema(query=Query, extensions=[ErrorCodes, Broken])
    result = asyncio.run(broken.execute("{ value }"))
    assert [(e.message, e.extensions) for e in result.errors or []] == [
        ("Internal server error.", {"code": "INTERNAL_SERVER_ERROR"})
    ]


def _autobahn_still_copies_its_close_timeout_to_each_protocol() -> None:
    from autobahn.twisted.websocket import WebSocketServerProtocol

    # Each protocol gets the factory's value of every CONFIG_ATTRS name on connecting.
    assert "closeHandshakeTimeout" in WebSocketServerProtocol.CONFIG_ATTRS


# Instance attributes set in a way the source check cannot see: checked here instead.
INSTANCE_CHECKS: dict[str, Callable[[], None]] = {
    "autobahn.websocket.protocol.WebSocketProtocol.closeHandshakeTimeout": (
        _autobahn_still_copies_its_close_timeout_to_each_protocol
    ),
}

REAL_OBJECT_CHECKS: dict[str, Callable[[], None]] = {
    "strawberry.schema.schema.Schema._schema": _schema_holds_its_graphql_core_schema,
    "strawberry_django.type.StrawberryDjangoDefinition": (
        _strawberry_django_types_carry_their_definition
    ),
    "strawberry_django.relay.cursor_connection.OrderedCollectionCursor.from_cursor": (
        _cursor_refusal_is_still_told_by_its_message
    ),
    "strawberry.schema.schema.Schema.execute": _an_exception_out_of_a_hook_still_leaves_coded,
}


def test_the_execution_package_declares_the_internals_it_relies_on():
    assert any(module.startswith("graphql_api.execution.") for module in BLOCKS)
    assert all(entries for _, entries in BLOCKS.values()), "a block without entries"


@pytest.mark.parametrize("entry", ENTRIES, ids=str)
def test_a_library_internal_the_project_relies_on_still_exists(entry: Entry):
    if entry.instance and entry.name in INSTANCE_CHECKS:
        INSTANCE_CHECKS[entry.name]()
    elif entry.instance:
        *owner_path, name = entry.name.split(".")
        owner = resolve(".".join(owner_path))
        assert inspect.isclass(owner), f"{entry.name}: {owner!r} is not a class"
        assert _assigned_on_instances(owner, name), (
            f"{entry.name} (listed in {entry.module}): instances of {owner.__qualname__} "
            f"no longer get {name!r}"
        )
    else:
        resolve(entry.name)
    check = REAL_OBJECT_CHECKS.get(entry.name)
    if check is not None:
        check()


@pytest.mark.parametrize("module", sorted(BLOCKS))
def test_a_block_names_the_versions_installed(module: str):
    versions = BLOCKS[module][0]
    checked = {match["dist"]: match["version"] for match in VERSION.finditer(versions)}
    assert checked, f"{module}: no `name x.y.z` in {versions!r}"
    installed = {dist: importlib.metadata.version(dist) for dist in checked}
    assert installed == checked, (
        f"{module} was checked against {checked} but {installed} is installed: re-check the "
        "names it lists and update its block"
    )


def _modules_outside_the_contained_folders() -> list[tuple[str, Path]]:
    return [
        (module, path)
        for folder in SCANNED
        for module, path in _python_modules(folder)
        if not any(path.is_relative_to(ROOT / allowed) for allowed in CONTAINED_IN)
    ]


@pytest.mark.parametrize(
    ("module", "path"), _modules_outside_the_contained_folders(), ids=lambda v: str(v)
)
def test_library_internals_are_used_only_in_execution_and_realtime(module: str, path: Path):
    assert not OTHER_WORDINGS.search(_docstring(path)), (
        f"{module} relies on library internals: move that use into graphql_api/execution/ "
        "(strawberry, strawberry-django, graphql-core) or realtime/ (channels, daphne)"
    )


def test_every_block_in_the_contained_folders_uses_the_checked_wording():
    for folder in CONTAINED_IN:
        for module, path in _python_modules(folder):
            if OTHER_WORDINGS.search(_docstring(path)):
                assert module in BLOCKS, (
                    f"{module}: write its list as `Library internals relied on (checked with "
                    "<dist> <version>):` then one `- `dotted.path`: why.` a line"
                )


LIBRARIES = ("strawberry", "strawberry_django", "graphql", "channels", "channels_redis", "daphne")
# The modules of those libraries that their documentation tells applications to import from.
PUBLIC_MODULES = {
    "strawberry",
    "strawberry.channels",
    "strawberry.dataloader",
    "strawberry.django.context",
    "strawberry.django.views",
    "strawberry.exceptions",
    "strawberry.extensions",
    "strawberry.file_uploads",
    "strawberry.http",
    "strawberry.permission",
    "strawberry.printer",
    "strawberry.relay",
    "strawberry.scalars",
    "strawberry.schema.config",
    "strawberry.types",
    "strawberry_django",
    "strawberry_django.fields.field",  # StrawberryDjangoField, to subclass (its docs)
    "strawberry_django.optimizer",
    "strawberry_django.permissions",
    "strawberry_django.relay",
    "graphql",
    "graphql.language",
    "channels",
    "channels.auth",
    "channels.layers",
    "channels.routing",
    "channels.security.websocket",
}


def _library_imports(path: Path) -> list[tuple[str, str | None]]:
    """(module, imported name or None) for each import of one of LIBRARIES in `path`."""
    found: list[tuple[str, str | None]] = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found += [(alias.name, None) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found += [(node.module, alias.name) for alias in node.names]
    return [(module, name) for module, name in found if module.split(".")[0] in LIBRARIES]


@pytest.mark.parametrize(
    ("module", "path"), _modules_outside_the_contained_folders(), ids=lambda v: str(v)
)
def test_modules_elsewhere_import_only_the_libraries_public_modules(module: str, path: Path):
    private = [
        f"{imported}.{name}" if name else imported
        for imported, name in _library_imports(path)
        if imported not in PUBLIC_MODULES or (name or "").startswith("_")
    ]
    assert private == [], (
        f"{module} imports {private}: use a public API, or move the use into "
        "graphql_api/execution/ (or realtime/) and list it there"
    )
