"""`ivr map`: the call flow as a picture staff can read, drawn from the content file.

One graph (ivr/staff/flowgraph.py) is written two ways: Mermaid text for the README, made
here, and an SVG (ivr/staff/flowsvg.py), so there is nothing to install and nothing is
fetched from the internet.
"""
from __future__ import annotations

import re
from pathlib import Path

import click

from ..line.content import ContentError
from ..line.speech import AudioIndex
from .flowgraph import COLOURS, Graph, Node, build
from .flowsvg import svg

README_START = "<!-- ivr map: start (made by `ivr map --readme README.md`; do not edit by hand) -->"
README_END = "<!-- ivr map: end -->"


# Mermaid's shape for each kind of node; {} is the quoted label.
SHAPES = {"start": '(["{}"])', "menu": '["{}"]', "section": '("{}")', "adviser": '["{}"]',
          "choice": '{{{{"{}"}}}}', "note": '>"{}"]'}


def mermaid_node(node: Node) -> str:
    return "    " + node.id + SHAPES[node.kind].format(node.label.replace('"', "#quot;"))


def mermaid(graph: Graph) -> str:
    """Mermaid flowchart text; GitHub and most wikis draw it as a picture."""
    out = ["flowchart TD"]
    out += [mermaid_node(n) for n in graph.nodes if n.group != "adviser"]
    out.append('    subgraph adviser_path ["The adviser path"]')
    out += ["    " + mermaid_node(n) for n in graph.nodes if n.group == "adviser"]
    out.append("    end")
    for edge in graph.edges:
        label = f'|"{edge.label}"|' if edge.label else ""
        out.append(f"    {edge.src} -->{label} {edge.dst}")
    for kind, colour in COLOURS.items():
        members = ",".join(n.id for n in graph.nodes if n.kind == kind)
        if members:
            out += [f"    classDef {kind} fill:{colour},stroke:#555", f"    class {members} {kind}"]
    return "\n".join(out) + "\n"


def readme_block(graph: Graph) -> str:
    return f"{README_START}\n```mermaid\n{mermaid(graph)}```\n{README_END}"


def update_readme(path: Path, graph: Graph) -> bool:
    """Put the map between the markers (adding them at the end if absent); True if it changed."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    block = readme_block(graph)
    pattern = re.compile(re.escape(README_START) + ".*?" + re.escape(README_END), re.S)
    if pattern.search(text):
        new = pattern.sub(lambda _: block, text)
    else:
        new = (text.rstrip("\n") + "\n\n" if text.strip() else "") + block + "\n"
    path.write_text(new, encoding="utf-8")
    return new != text


def line_contents() -> tuple[dict[str, Content], AudioIndex, str]:
    """The content, audio index and default language of the line as built on this computer."""
    from .inprocess import local_app
    from ..settings import SettingsError

    try:
        service = local_app().extensions["ivr"]
    except (SettingsError, ContentError) as exc:
        raise click.ClickException(f"The line cannot start, so it cannot be drawn. `ivr check` says more.\n{exc}")
    return service.contents, service.audio, service.settings.default_language


@click.command("map")
@click.option("--language", help="Which content file to draw (default: DEFAULT_LANGUAGE).")
@click.option("--svg", "svg_path", type=click.Path(dir_okay=False, path_type=Path), default="call-flow.svg",
              show_default=True, help="Where to write the picture.")
@click.option("--mermaid", "mermaid_path", type=click.Path(dir_okay=False, path_type=Path),
              default="call-flow.mmd", show_default=True, help="Where to write the Mermaid text.")
@click.option("--readme", type=click.Path(dir_okay=False, path_type=Path),
              help="Also update the map in this README (without lengths, so it changes only with the words).")
def map_command(language, svg_path, mermaid_path, readme):
    """Draw the call flow as a picture.

    Shows the menus, keys, sections and the adviser path, with each part's length in seconds at
    each speed once the audio is built."""
    contents, audio, default = line_contents()
    content = contents.get(language or default)
    if content is None:
        raise click.BadParameter(f"no content for '{language}'; there is {', '.join(contents)}",
                                 param_hint="--language")
    names = tuple(c.name for c in contents.values())
    graph = build(content, audio, names)
    svg_path.write_text(svg(graph, f"Keeping Safe call flow ({content.name})"), encoding="utf-8")
    mermaid_path.write_text(mermaid(graph), encoding="utf-8")
    click.echo(f"Wrote {svg_path} (open it in a web browser) and {mermaid_path}.")
    if readme:
        changed = update_readme(readme, build(content, languages=names))
        click.echo(f"{'Updated' if changed else 'Already up to date:'} the map in {readme}.")
