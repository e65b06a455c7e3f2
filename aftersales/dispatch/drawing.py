"""The plan page's two pictures, computed server-side as SVG coordinates (no inline styles):
each technician's day on a timeline, and the places with the routes drawn between them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _

from aftersales.dispatch.problem import planar_km

PALETTE = 8
"""Technician colours are classes tech-0 … tech-7 in dispatch.css."""
TL_LABEL, TL_WIDTH, TL_ROW, TL_GAP, TL_TOP = 130.0, 1000.0, 26.0, 10.0, 22.0
TL_RIGHT = 18.0
"""Room right of the last hour so that its label is not cut in half."""
MAP_W, MAP_H, MAP_PAD = 640.0, 420.0, 24.0

REASONS = {
    "no_qualified_technician": _("no technician certified for the product line"),
    "outside_shifts": _("does not fit any technician's working hours"),
    "no_room": _("no room left in the day's routes"),
    "dropped": _("dropped by the supervisor"),
}


def hhmm(minutes: float) -> str:
    m = round(minutes)
    return f"{(m // 60) % 24:02d}:{m % 60:02d}"


@dataclass
class Block:
    kind: str  # shift | travel | wait | job | lunch
    x: float
    width: float
    css: str
    label: str = ""
    title: str = ""

    @property
    def text_x(self) -> float:
        return self.x + self.width / 2


@dataclass
class Row:
    technician: int
    name: str
    css: str
    y: float
    blocks: list[Block] = field(default_factory=list)

    @property
    def text_y(self) -> float:
        return self.y + TL_ROW / 2 + 4

    @property
    def bottom(self) -> float:
        return self.y + TL_ROW


def timeline(proposal: dict[str, Any]) -> dict[str, Any]:
    techs = {int(t["id"]): t for t in proposal["problem"]["technicians"]}
    routes = proposal.get("routes", [])
    if not routes:
        return {"rows": [], "ticks": [], "width": TL_LABEL + TL_WIDTH, "height": TL_TOP}
    t0 = min(techs[r["technician"]]["shift"][0] for r in routes)
    t1 = max(max(techs[r["technician"]]["shift"][1], r["return_at"]) for r in routes)
    t0, t1 = float(int(t0 // 60) * 60), float(-int(-t1 // 60) * 60)
    scale = TL_WIDTH / max(t1 - t0, 1.0)

    def x(minutes: float) -> float:
        return round(TL_LABEL + (minutes - t0) * scale, 2)

    def block(kind: str, a: float, b: float, css: str, label: str = "", title: str = "") -> Block:
        return Block(
            kind=kind, x=x(a), width=round(max(b - a, 0.0) * scale, 2), css=css, label=label, title=title
        )

    rows = []
    for i, route in enumerate(routes):
        css = f"tech-{i % PALETTE}"
        tech = techs[route["technician"]]
        row = Row(
            technician=route["technician"], name=route["name"], css=css, y=TL_TOP + i * (TL_ROW + TL_GAP)
        )
        row.blocks.append(block("shift", tech["shift"][0], tech["shift"][1], "tl-shift"))
        free = route["departure"]
        for visit in route["visits"]:
            if visit["arrival"] > free:
                row.blocks.append(
                    block("travel", free, visit["arrival"], "tl-travel", title=str(_("driving")))
                )
            if visit["start"] > visit["arrival"]:
                row.blocks.append(
                    block("wait", visit["arrival"], visit["start"], "tl-wait", title=str(_("waiting")))
                )
            label = visit["number"].rsplit("-", 1)[-1]
            title = f"{visit['number']} {hhmm(visit['start'])}–{hhmm(visit['end'])}"
            row.blocks.append(block("job", visit["start"], visit["end"], f"tl-job {css}", label, title))
            free = visit["end"]
        if route["visits"] and route["return_at"] > free:
            row.blocks.append(block("travel", free, route["return_at"], "tl-travel", title=str(_("driving"))))
        if route["lunch"]:
            lunch = route["lunch"]
            title = f"{_('lunch')} {hhmm(lunch['start'])}–{hhmm(lunch['end'])}"
            row.blocks.append(block("lunch", lunch["start"], lunch["end"], "tl-lunch", title=title))
        rows.append(row)
    height = TL_TOP + len(rows) * (TL_ROW + TL_GAP)
    ticks = [{"x": x(m), "label": hhmm(m)} for m in range(int(t0), int(t1) + 1, 60)]
    return {
        "rows": rows,
        "ticks": ticks,
        "width": TL_LABEL + TL_WIDTH + TL_RIGHT,
        "height": height,
        "label_x": TL_LABEL - 6,
    }


def places(proposal: dict[str, Any]) -> dict[str, Any]:
    """Planar km around the branch, scaled into the SVG; north up."""
    problem = proposal["problem"]
    home = problem["branch"]
    jobs = {j["id"]: j for j in problem["jobs"]}
    km = {
        job_id: planar_km(lat=j["lat"], lon=j["lon"], lat0=home["lat"], lon0=home["lon"])
        for job_id, j in jobs.items()
    }
    starts = {
        str(t["id"]): planar_km(lat=t["lat"], lon=t["lon"], lat0=home["lat"], lon0=home["lon"])
        for t in problem["technicians"]
    }
    km.update({f"start:{tid}": p for tid, p in starts.items()})
    xs = [0.0] + [p[0] for p in km.values()]
    ys = [0.0] + [p[1] for p in km.values()]
    span = max(max(xs) - min(xs), max(ys) - min(ys), 1.0)
    scale = min((MAP_W - 2 * MAP_PAD) / span, (MAP_H - 2 * MAP_PAD) / span)
    cx, cy = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2

    def at(p: tuple[float, float]) -> tuple[float, float]:
        return round(MAP_W / 2 + (p[0] - cx) * scale, 1), round(MAP_H / 2 - (p[1] - cy) * scale, 1)

    base = at((0.0, 0.0))
    lines, points, homes = [], [], []
    for i, route in enumerate(proposal.get("routes", [])):
        css = f"tech-{i % PALETTE}"
        start = at(starts.get(str(route["technician"]), (0.0, 0.0)))
        if start != base:  # the technician sets out from home, drawn as a diamond
            homes.append(
                {
                    "x": start[0],
                    "y": start[1],
                    "x0": start[0] - 6,
                    "y0": start[1] - 6,
                    "css": css,
                    "title": route["name"],
                }
            )
        if not route["visits"]:
            continue
        path = [start] + [at(km[v["job"]]) for v in route["visits"]] + [start]
        lines.append({"css": css, "points": " ".join(f"{a},{b}" for a, b in path), "name": route["name"]})
        for n, visit in enumerate(route["visits"], 1):
            px, py = at(km[visit["job"]])
            points.append(
                {"x": px, "y": py, "css": css, "label": n, "title": f"{visit['number']} · {route['name']}"}
            )
    for item in proposal.get("unassigned", []):
        px, py = at(km[item["job"]])
        points.append({"x": px, "y": py, "css": "unassigned", "label": "", "title": item["number"]})
    scale_km = 5 if span > 8 else 1
    return {
        "width": MAP_W,
        "height": MAP_H,
        "branch": {"x": base[0] - 7, "y": base[1] - 7, "title": home["name"]},
        "lines": lines,
        "points": points,
        "homes": homes,
        "scale": {"km": scale_km, "x1": MAP_PAD, "x2": round(MAP_PAD + scale_km * scale, 1), "y": MAP_H - 10},
    }
