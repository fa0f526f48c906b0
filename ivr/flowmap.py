"""`ivr map`: the call flow as a picture staff can read, drawn from the content file.

One graph (menus, keys, sections, the adviser path, the keys that work everywhere) is
written two ways: Mermaid text for the README, and an SVG drawn here (ivr/flowsvg.py),
so there is nothing to install and nothing is fetched from the internet.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import click

from .content import MAIN, Content, ContentError, Prompt
from .flow import RATES
from .speech import AudioIndex, NoAudio

README_START = "<!-- ivr map: start (made by `ivr map --readme README.md`; do not edit by hand) -->"
README_END = "<!-- ivr map: end -->"
SHARED_KEYS = "Keys that work everywhere: 9 or 0 an adviser, star back one level, hash hear again, 8 main menu"


@dataclass(frozen=True)
class Node:
    id: str
    label: str
    kind: str   # start, menu, section, adviser, choice (a question) or note
    layer: int  # rows from the top: how far into the call
    group: str  # "guidance" or "adviser", drawn side by side, or "keys" for the note above them


@dataclass(frozen=True)
class Edge:
    src: str
    dst: str
    label: str = ""


@dataclass(frozen=True)
class Graph:
    nodes: list[Node]
    edges: list[Edge]


def seconds(content: Content, prompts: list[Prompt], audio: AudioIndex) -> str:
    """' (12 s)' when every prompt here has built audio, else nothing: only measured lengths."""
    lengths = [audio.duration(content.language, RATES[0], p) for p in prompts]
    return f" ({sum(lengths):.0f} s)" if lengths and all(s is not None for s in lengths) else ""


def node_id(node: str) -> str:
    return "n_" + re.sub(r"\W", "_", node)


def presses(content: Content, node: str) -> int:
    """Key presses from the main menu, going up through each menu's parent (the same parent
    star goes back to); capped, in case menus lead into each other in a ring."""
    count = 0
    while node != MAIN and count <= len(content.menus):
        node, count = content.parent(node), count + 1
    return count


def guidance_nodes(content: Content, audio: AudioIndex) -> Graph:
    """The menus and sections, each on the row of its number of key presses."""
    welcome = [content.prompt("phrase.welcome")]
    nodes = [Node("call", "A call starts: the safety message" + seconds(content, welcome, audio),
                  "start", 0, "guidance")]
    edges = [Edge("call", node_id(MAIN))]
    for menu in content.menus.values():
        prompts = [content.prompt(f"menu.{menu.id}"), *(content.prompt(f"menu.{menu.id}.{k}") for k in menu.options)]
        nodes.append(Node(node_id(menu.id), menu.say.rstrip(".") + seconds(content, prompts, audio), "menu",
                          presses(content, menu.id) + 1, "guidance"))
        edges += [Edge(node_id(menu.id), node_id(o.go), f"key {o.key}") for o in menu.options.values()]
    for section in content.sections.values():
        length = seconds(content, [content.prompt(f"section.{section.id}")], audio)
        nodes.append(Node(node_id(section.id), section.title + length, "section",
                          presses(content, section.id) + 1, "guidance"))
    return Graph(nodes, edges)


def adviser_nodes() -> Graph:
    """The adviser path as adviser.py runs it: the same for every content file."""
    def node(id_, label, kind, layer):
        return Node(id_, label, kind, layer, "adviser")
    nodes = [
        node("a_press", "Key 9 or 0, from anywhere: talk to an adviser", "adviser", 1),
        node("a_open", "Are advisers answering now?", "choice", 2),
        node("a_ring", "Advisers' phones ring; an adviser presses 1 to take the call", "adviser", 3),
        node("a_closed", "Closed: the opening hours, what to do in danger, the helpline number", "adviser", 3),
        node("a_talk", "Talking to an adviser", "adviser", 4),
        node("a_none", "No adviser answered: what to do in danger, the helpline number (key 3 says it again)",
             "adviser", 4),
        node("a_back", "Back to the guidance, where the caller was", "adviser", 5),
    ]
    edges = [Edge("a_press", "a_open"), Edge("a_open", "a_ring", "yes"), Edge("a_open", "a_closed", "no"),
             Edge("a_ring", "a_none", "no answer, busy, or star"), Edge("a_ring", "a_talk", "answered"),
             Edge("a_closed", "a_back"), Edge("a_none", "a_ring", "key 1: try again"),
             Edge("a_none", "a_back", "key 2")]
    return Graph(nodes, edges)


def build(content: Content, audio: AudioIndex | None = None) -> Graph:
    guidance, advisers = guidance_nodes(content, audio or NoAudio()), adviser_nodes()
    note = Node("keys", SHARED_KEYS, "note", 0, "keys")
    return Graph([*guidance.nodes, *advisers.nodes, note], [*guidance.edges, *advisers.edges])


# Mermaid's shape for each kind of node; {} is the quoted label.
SHAPES = {"start": '(["{}"])', "menu": '["{}"]', "section": '("{}")', "adviser": '["{}"]',
          "choice": '{{{{"{}"}}}}', "note": '>"{}"]'}
COLOURS = {"menu": "#dbe9f6", "section": "#e3f1dc", "adviser": "#fbe7d3", "choice": "#fbe7d3",
           "note": "#f1f1f1", "start": "#ffffff"}


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
    from .local import local_app
    from .settings import SettingsError

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

    Shows the menus, keys, sections and the adviser path, with each part's length in seconds once
    the audio is built."""
    from .flowsvg import svg  # it draws what this module builds

    contents, audio, default = line_contents()
    content = contents.get(language or default)
    if content is None:
        raise click.BadParameter(f"no content for '{language}'; there is {', '.join(contents)}",
                                 param_hint="--language")
    graph = build(content, audio)
    svg_path.write_text(svg(graph, f"Keeping Safe call flow ({content.name})"), encoding="utf-8")
    mermaid_path.write_text(mermaid(graph), encoding="utf-8")
    click.echo(f"Wrote {svg_path} (open it in a web browser) and {mermaid_path}.")
    if readme:
        changed = update_readme(readme, build(content))
        click.echo(f"{'Updated' if changed else 'Already up to date:'} the map in {readme}.")
