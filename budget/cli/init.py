"""`budget init`: write a commented scenario template (the CLI layer of workload/template.py)."""

from __future__ import annotations

import click


@click.command()
@click.argument("file", default="scenario.yaml", metavar="[FILE]")
def init(file: str) -> None:
    """Write a commented scenario template to FILE (default scenario.yaml; - for standard
    output) that `budget report FILE` accepts as written.

    Every key is there with a one-line comment from the scenario's JSON Schema; alternatives
    and optional sections are commented out. The first line points an editor's YAML language
    server at the schema inside the installed package, for completion and checking as you
    type. An existing file is never overwritten.
    """
    from budget.outputs import atomic_write
    from budget.workload.template import default_location, refuse_existing, template

    refuse_existing(file)
    with atomic_write(file) as handle:
        handle.write(template(default_location()))
    if file != "-":
        click.echo(f"wrote {file}: edit it, then `budget report {file}`")
