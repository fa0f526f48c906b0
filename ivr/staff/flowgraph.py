"""The call flow as a graph: menus, keys, sections, the adviser path and the keys that work everywhere.

The model only; `ivr map` draws it twice (Mermaid text in ivr/staff/flowmap.py, SVG in
ivr/staff/flowsvg.py), and neither drawing is imported here.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..line.content import MAIN, Content, Prompt
from ..line.speech import RATES, AudioIndex, NoAudio

SHARED_KEYS = ("Keys that work everywhere: 9 or 0 an adviser, star back one level, hash hear again, 8 main menu, "
               "7 slower speech (7 again: the usual speed)")
# Each kind of node's colour, the same in both drawings.
COLOURS = {"menu": "#dbe9f6", "section": "#e3f1dc", "adviser": "#fbe7d3", "choice": "#fbe7d3",
           "note": "#f1f1f1", "start": "#ffffff"}


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
    """' (12 s, slow 16 s)' for each speed at which every prompt here has built audio, else
    nothing: only measured lengths."""
    said = []
    for rate in RATES:
        lengths = [audio.duration(content.language, rate, p) for p in prompts]
        if lengths and all(s is not None for s in lengths):
            said.append(f"{sum(lengths):.0f} s" if rate == RATES[0] else f"{rate} {sum(lengths):.0f} s")
    return f" ({', '.join(said)})" if said else ""


def node_id(node: str) -> str:
    return "n_" + re.sub(r"\W", "_", node)


def presses(content: Content, node: str) -> int:
    """Key presses from the main menu, going up through each menu's parent (the same parent
    star goes back to); capped, in case menus lead into each other in a ring."""
    count = 0
    while node != MAIN and count <= len(content.menus):
        node, count = content.parent(node), count + 1
    return count


def guidance_nodes(content: Content, audio: AudioIndex, languages: tuple[str, ...] = ()) -> Graph:
    """The menus and sections, each on the row of its number of key presses."""
    welcome = [content.prompt("phrase.welcome")]
    choice = f"a choice of language ({', '.join(languages)}), then " if len(languages) > 1 else ""
    nodes = [Node("call", f"A call starts: {choice}the safety message" + seconds(content, welcome, audio),
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
    """The adviser path as the line runs it (ivr/line/waiting.py, ringing.py, screening.py): the
    same for every content file."""
    def node(id_, label, kind, layer):
        return Node(id_, label, kind, layer, "adviser")
    nodes = [
        node("a_press", "Key 9 or 0, from anywhere: talk to an adviser", "adviser", 1),
        node("a_open", "Are advisers answering now?", "choice", 2),
        node("a_wait", "Waiting in a queue of one: UK ringing, and \"to stop waiting, press star\" "
             "about every 20 seconds", "adviser", 3),
        node("a_closed", "Closed: the opening hours, what to do in danger, the helpline number", "adviser", 3),
        node("a_phones", "Every adviser's phone rings, each as a call of its own: press 1 to take it "
             "(a voicemail ends only its own call)", "adviser", 4),
        node("a_talk", "Talking to the first adviser to press 1; the other phones stop", "adviser", 5),
        node("a_none", "No adviser answered: what to do in danger, the helpline number (key 3 says it again)",
             "adviser", 5),
        node("a_back", "Back to the guidance, where the caller was", "adviser", 6),
    ]
    edges = [Edge("a_press", "a_open"), Edge("a_open", "a_wait", "yes"), Edge("a_open", "a_closed", "no"),
             Edge("a_wait", "a_phones"), Edge("a_phones", "a_none", "none presses 1, or star"),
             Edge("a_phones", "a_talk", "one presses 1"),
             Edge("a_talk", "a_goodbye"),
             Edge("a_closed", "a_back"), Edge("a_none", "a_wait", "key 1: try again"),
             Edge("a_none", "a_back", "key 2")]
    nodes.append(node("a_goodbye", "After the conversation: goodbye", "adviser", 6))
    return Graph(nodes, edges)


def build(content: Content, audio: AudioIndex | None = None, languages: tuple[str, ...] = ()) -> Graph:
    """The call flow in `content`'s language; `languages` names every language callers are offered."""
    guidance, advisers = guidance_nodes(content, audio or NoAudio(), languages), adviser_nodes()
    note = Node("keys", SHARED_KEYS, "note", 0, "keys")
    return Graph([*guidance.nodes, *advisers.nodes, note], [*guidance.edges, *advisers.edges])
