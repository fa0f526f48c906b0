"""Draws the call-flow graph as plain SVG: boxes in rows (one row per key press), the guidance
and the adviser path side by side, arrows labelled with keys. Written by hand rather than
with a layout tool so `ivr map` needs nothing installed and never goes online.
"""
from __future__ import annotations

import textwrap
from dataclasses import dataclass
from xml.sax.saxutils import escape

from .flowgraph import COLOURS, Edge, Graph, Node

CHAR_WIDTH, LINE_HEIGHT, PAD = 7.0, 16, 10  # 12px sans-serif, roughly
WRAP, NOTE_WRAP = 26, 100
GAP_X, GAP_Y, MARGIN, GROUP_GAP = 24, 60, 24, 80
GROUPS = (("guidance", "The guidance"), ("adviser", "The adviser path"))


@dataclass
class Box:
    node: Node
    lines: list[str]
    x: float = 0
    y: float = 0

    @property
    def w(self) -> float:
        return max(len(line) for line in self.lines) * CHAR_WIDTH + 2 * PAD

    @property
    def h(self) -> float:
        return len(self.lines) * LINE_HEIGHT + 2 * PAD

    @property
    def cx(self) -> float:
        return self.x + self.w / 2


def ordered(graph: Graph, group: str) -> dict[int, list[Node]]:
    """Nodes of a group by row, each row ordered under its parents so arrows cross less."""
    rows: dict[int, list[Node]] = {}
    for node in graph.nodes:
        if node.group == group:
            rows.setdefault(node.layer, []).append(node)
    place: dict[str, float] = {}
    for layer in sorted(rows):
        def under_parent(item):
            index, node = item
            parents = [(place[e.src], i) for i, e in enumerate(graph.edges) if e.dst == node.id and e.src in place]
            return (*min(parents, default=(float("inf"), 0)), index)
        rows[layer] = [n for _, n in sorted(enumerate(rows[layer]), key=under_parent)]
        place.update({n.id: i + layer * 1000 for i, n in enumerate(rows[layer])})
    return rows


def layout(graph: Graph) -> tuple[dict[str, Box], list[tuple[float, float, str]], float, float]:
    """Every node's box, each group's caption (x, y, text), and the picture's width and height."""
    boxes = {n.id: Box(n, textwrap.wrap(n.label, NOTE_WRAP if n.kind == "note" else WRAP)) for n in graph.nodes}
    top = MARGIN
    for note in (b for b in boxes.values() if b.node.group == "keys"):
        note.x, note.y, top = MARGIN, top, top + note.h + GAP_Y / 2
    groups = {g: ordered(graph, g) for g, _ in GROUPS}
    layers = sorted({layer for rows in groups.values() for layer in rows})
    heights = {layer: max(boxes[n.id].h for rows in groups.values() for n in rows.get(layer, [])) for layer in layers}
    row_y, y = {}, top + LINE_HEIGHT * 2  # room for the group captions
    for layer in layers:
        row_y[layer], y = y, y + heights[layer] + GAP_Y
    x, captions = MARGIN, []
    for group, title in GROUPS:
        captions.append((x, top + LINE_HEIGHT, title))
        widths = {layer: sum(boxes[n.id].w for n in row) + GAP_X * (len(row) - 1) for layer, row in groups[group].items()}
        width = max(widths.values())
        for layer, row in groups[group].items():
            left = x + (width - widths[layer]) / 2
            for node in row:
                box = boxes[node.id]
                box.x, box.y, left = left, row_y[layer] + (heights[layer] - box.h) / 2, left + box.w + GAP_X
        x += width + GROUP_GAP
    total_w = max(x - GROUP_GAP, *(b.x + b.w for b in boxes.values())) + MARGIN + 40  # room for curves
    return boxes, captions, total_w, y - GAP_Y + MARGIN


def draw_box(box: Box) -> str:
    rounded = {"section": 14, "start": box.h / 2, "choice": 0}.get(box.node.kind, 3)
    dashes = ' stroke-dasharray="6 4"' if box.node.kind in ("choice", "note") else ""
    shape = (f'<rect x="{box.x:.0f}" y="{box.y:.0f}" width="{box.w:.0f}" height="{box.h:.0f}" rx="{rounded:.0f}" '
             f'fill="{COLOURS[box.node.kind]}" stroke="#555"{dashes}/>')
    first = box.y + PAD + LINE_HEIGHT * 0.75
    spans = "".join(f'<tspan x="{box.cx:.0f}" y="{first + i * LINE_HEIGHT:.0f}">{escape(line)}</tspan>'
                    for i, line in enumerate(box.lines))
    return f'<g id="{box.node.id}">{shape}<text text-anchor="middle">{spans}</text></g>'


def label(x: float, y: float, text: str) -> str:
    if not text:
        return ""
    return (f'<text x="{x:.0f}" y="{y:.0f}" text-anchor="middle" font-size="11" fill="#1a4d8f" '
            f'stroke="white" stroke-width="3" paint-order="stroke">{escape(text)}</text>')


def draw_edge(edge: Edge, boxes: dict[str, Box]) -> str:
    src, dst = boxes[edge.src], boxes[edge.dst]
    if dst.y > src.y and dst.node.layer == src.node.layer + 1:  # down one row: the usual way through
        x1, y1, x2, y2 = src.cx, src.y + src.h, dst.cx, dst.y
        line = f'<line x1="{x1:.0f}" y1="{y1:.0f}" x2="{x2:.0f}" y2="{y2:.0f}" stroke="#555" marker-end="url(#arrow)"/>'
        return line + label(x1 + (x2 - x1) * 0.6, y1 + (y2 - y1) * 0.6, edge.label)
    return around(edge, src, dst, boxes)


def around(edge: Edge, src: Box, dst: Box, boxes: dict[str, Box]) -> str:
    """An arrow that skips rows or goes back up: a dashed curve round the boxes in its way,
    on the right going down, on the left going up."""
    top, bottom = sorted((src.y, dst.y))
    way = [b for b in boxes.values() if b.node.group == src.node.group and top <= b.y <= bottom]
    down = dst.y > src.y
    side = (lambda b: b.x + b.w) if down else (lambda b: b.x)
    bend = max(map(side, way)) + 40 if down else min(map(side, way)) - 40
    x1, y1, x2, y2 = side(src), src.y + src.h / 2, side(dst), dst.y + dst.h / 2
    path = f"M{x1:.0f},{y1:.0f} C{bend:.0f},{y1:.0f} {bend:.0f},{y2:.0f} {x2:.0f},{y2:.0f}"
    return (f'<path d="{path}" fill="none" stroke="#555" stroke-dasharray="5 4" marker-end="url(#arrow)"/>'
            + label(bend, (y1 + y2) / 2, edge.label))


def svg(graph: Graph, title: str) -> str:
    """The whole picture as SVG text."""
    boxes, captions, width, height = layout(graph)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
             f'viewBox="0 0 {width:.0f} {height:.0f}" font-family="Arial, Helvetica, sans-serif" font-size="12">',
             f"<title>{escape(title)}</title>",
             '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
             'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>',
             f'<rect width="{width:.0f}" height="{height:.0f}" fill="white"/>']
    parts += [f'<text x="{x:.0f}" y="{y:.0f}" font-size="15" font-weight="bold">{escape(t)}</text>'
              for x, y, t in captions]
    parts += [draw_box(b) for b in boxes.values()]
    parts += [draw_edge(e, boxes) for e in graph.edges]
    return "\n".join(parts) + "\n</svg>\n"
