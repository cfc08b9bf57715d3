"""Writers: each selection of a plan as one Python function, generated once per plan.

A writer builds the response object of its selection from a source (a row, a page) in
straight-line code: one attribute read per plain field, one call per resolved field, the
sub-selections' writers for objects and lists. Walking the plan field by field instead costs
a dispatch per field and value, which over a page's ~250 fields is most of the work left.
The generated text uses only names checked here: response keys (GraphQL names, quoted with
`repr`), attributes (Python identifiers of the schema's own fields) and local names.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from contacts_api.planner.plans import Field, HandBack, NotCovered, Selection

Writer = Callable[[Any, Any], dict[str, Any]]
Resolver = Callable[[Any, Field, Any], Any]


def leaf(value: Any, field: Field) -> Any:
    """A scalar's or an enum's value as graphql-core serializes it; a null where the schema
    forbids one hands the request back (the standard path reports it)."""
    if value is None:
        if not field.nullable:
            raise HandBack(field.name)
        return None
    if type(value) is field.same_as:
        return value
    assert field.serialize is not None
    serialized = field.serialize(value)
    if serialized is None:
        raise HandBack(field.name)
    return serialized


def null(field: Field) -> None:
    if not field.nullable:
        raise HandBack(field.kind)


def compile_writer(selection: Selection, resolvers: Mapping[str, Resolver]) -> Writer:
    names: dict[str, Any] = {"leaf": leaf, "null": null}
    lines = ["def write(source, run):", "    answer = {}"]
    for index, (key, field) in enumerate(selection.fields):
        target = f"answer[{key!r}]"
        names[f"f{index}"] = field
        names[f"t{index}"] = field.same_as
        if field.kind == "typename":
            lines.append(f"    {target} = {selection.type_name!r}")
            continue
        if field.kind == "leaf":
            if not field.attribute.isidentifier():
                raise NotCovered(field.attribute)
            lines.append(f"    value = source.{field.attribute}")
            lines.extend(_leaf_lines(target, index, "    "))
            continue
        names[f"r{index}"] = resolvers[field.kind]
        lines.append(f"    value = r{index}(source, f{index}, run)")
        lines.append("    if value is None:")
        lines.append(f"        {target} = null(f{index})")
        lines.append("    else:")
        if field.selection is not None:
            names[f"w{index}"] = compile_writer(field.selection, resolvers)
            if field.is_list:
                lines.append(f"        {target} = [w{index}(item, run) for item in value]")
            else:
                lines.append(f"        {target} = w{index}(value, run)")
        elif field.is_list:
            lines.append(f"        {target} = [leaf(item, f{index}) for item in value]")
        else:
            lines.extend(_leaf_lines(target, index, "        "))
    lines.append("    return answer")
    exec("\n".join(lines), names)  # noqa: S102 - the text is built above from checked names
    written: Writer = names["write"]
    return written


def _leaf_lines(target: str, index: int, indent: str) -> list[str]:
    return [
        f"{indent}if type(value) is t{index}:",
        f"{indent}    {target} = value",
        f"{indent}else:",
        f"{indent}    {target} = leaf(value, f{index})",
    ]
