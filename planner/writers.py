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


INT_RANGE = range(-(2**31), 2**31)


def leaf(value: Any, field: Field) -> Any:
    """A scalar's or an enum's value as graphql-core serializes it; a null where the schema
    forbids one hands the request back (the standard path reports it)."""
    if value is None:
        if not field.nullable:
            raise HandBack(field.name)
        return None
    if type(value) is field.same_as and (field.same_as is not int or value in INT_RANGE):
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
    names: dict[str, Any] = {"leaf": leaf, "null": null, "INT_RANGE": INT_RANGE}
    lines = ["def write(source, run):", "    answer = {}"]
    for index, (key, field) in enumerate(selection.fields):
        target = f"answer[{key!r}]"
        names[f"f{index}"] = field
        names[f"t{index}"] = field.same_as
        names[f"e{index}"] = field.table
        if field.kind == "typename":
            lines.append(f"    {target} = {selection.type_name!r}")
            continue
        if field.kind == "leaf":
            if not field.attribute.isidentifier():
                raise NotCovered(field.attribute)
            lines.append(f"    value = source.{field.attribute}")
            lines.extend(_leaf_lines(target, index, field, "    "))
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
            lines.extend(_leaf_lines(target, index, field, "        "))
    lines.append("    return answer")
    exec("\n".join(lines), names)  # noqa: S102 - the text is built above from checked names
    written: Writer = names["write"]
    return written


def _leaf_lines(target: str, index: int, field: Field, indent: str) -> list[str]:
    """`value` written as `leaf` writes it, without the call for the usual values: a null
    (where the schema allows one), a text, a boolean or an int that serializes as it is, an
    enum's value."""
    checks = []
    if field.nullable:
        checks.append(("value is None", "None"))
    if field.same_as is int:
        checks.append(("type(value) is int and value in INT_RANGE", "value"))
    elif field.same_as is not None:
        checks.append((f"type(value) is t{index}", "value"))
    elif field.table is not None:
        checks.append((f"value in e{index}", f"e{index}[value]"))
    fallback = f"{target} = leaf(value, f{index})"
    lines = []
    for number, (condition, result) in enumerate(checks):
        lines.append(f"{indent}{'elif' if number else 'if'} {condition}:")
        lines.append(f"{indent}    {target} = {result}")
    if not lines:
        return [f"{indent}{fallback}"]
    return [*lines, f"{indent}else:", f"{indent}    {fallback}"]
