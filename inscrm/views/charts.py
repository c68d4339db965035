"""ECharts options for the dashboard, built from its figures with the words in the UI language.

The page embeds each option as JSON (`<script type="application/json">`) and `static/charts.js`
hands it to the vendored ECharts; nothing is fetched from anywhere else.
"""

from flask_babel import gettext as _

from inscrm.formatting import wan
from inscrm.labels import label

SEGMENT_COLOURS = {
    "blacklist": "#3b3b3b", "key": "#b7791f", "quality": "#2e7d32",
    "standard": "#1d5fa8", "prospect": "#7c3aed", "floating": "#7b8794",
}


def _segment(code):
    return _(label("segment", code))


def _percent(rate):
    return None if rate is None else round(float(rate) * 100, 1)


def money_axis(name):
    """The name of an axis of money, which the charts draw in 万元 (ten thousand yuan)."""
    return f"{name} ({_('10,000 yuan')})"


def is_empty(option):
    """True when no series of the option has a value other than 0 or none: such a chart would
    draw nothing (or, for a funnel, full bars), so the page says there is no data instead."""
    for series in option.get("series", []):
        values = series.get("links") if series.get("type") == "sankey" else series.get("data")
        for value in values or []:
            value = value.get("value") if isinstance(value, dict) else value
            if value:
                return False
    return True


def with_empty_marks(options):
    """{chart id: option} with `empty` set on each option that has nothing to draw."""
    return {chart_id: {**option, "empty": is_empty(option)}
            for chart_id, option in options.items()}


def segments_chart(rows):
    names = [_segment(r["segment"]) for r in rows]
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "grid": {"left": 60, "right": 80, "top": 40, "bottom": 30},
        "xAxis": {"type": "category", "data": names},
        "yAxis": [{"type": "value", "name": _("Customers")},
                  {"type": "value", "name": money_axis(_("Annual premium"))}],
        "series": [
            {"type": "bar", "name": _("Customers"),
             "data": [{"value": r["customers"],
                       "itemStyle": {"color": SEGMENT_COLOURS[r["segment"]]}} for r in rows]},
            {"type": "line", "name": _("Annual premium"), "yAxisIndex": 1,
             "data": [wan(r["premium"]) for r in rows]},
        ],
    }


def flows_chart(rows):
    """A Sankey from each segment at the start (left) to each segment after the change
    (right); every band is labelled with the paper's name of the flow."""
    nodes, links = {}, []
    for r in rows:
        source = f"{_segment(r['from'])} ▸"
        target = f"▸ {_segment(r['to'])}"
        nodes[source] = {"name": source, "itemStyle": {"color": SEGMENT_COLOURS[r["from"]]}}
        nodes[target] = {"name": target, "itemStyle": {"color": SEGMENT_COLOURS[r["to"]]}}
        flow = _(label("flow", r["flow"])) if r["flow"] else ""
        links.append({"source": source, "target": target, "value": r["customers"],
                      "flow": flow, "edgeLabel": {"show": True, "formatter": f"{flow} {{c}}",
                                    "color": "#1f2933"}})
    return {
        "tooltip": {"trigger": "item"},
        "series": [{
            "type": "sankey", "data": list(nodes.values()), "links": links,
            "emphasis": {"focus": "adjacency"}, "nodeAlign": "justify",
            "lineStyle": {"color": "gradient", "opacity": 0.4},
            "left": 10, "right": 90, "top": 10, "bottom": 10,
        }],
    }


def renewal_months_chart(rows):
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "grid": {"left": 50, "right": 50, "top": 40, "bottom": 30},
        "xAxis": {"type": "category", "data": [r["month"] for r in rows]},
        "yAxis": [{"type": "value", "name": _("Policies")},
                  {"type": "value", "name": "%", "max": 100}],
        "series": [
            {"type": "bar", "name": _("Expired"), "data": [r["denominator"] for r in rows]},
            {"type": "bar", "name": _("Renewed"), "data": [r["numerator"] for r in rows]},
            {"type": "line", "name": _("Renewal rate"), "yAxisIndex": 1,
             "data": [_percent(r["rate"]) for r in rows]},
        ],
    }


def funnel_stages(funnel):
    return [
        (_("Floating or prospect at the start"), funnel["pool"]),
        (_("Contacted in the period"), funnel["contacted"]),
        (_("Showed intent (interested, quoted)"), funnel["intent"]),
        (_("Standard, quality or key at the end"), funnel["converted"]),
    ]


def funnel_chart(funnel):
    return {
        "tooltip": {"trigger": "item"},
        "series": [{
            "type": "funnel", "sort": "none", "left": "10%", "width": "80%", "minSize": "8%",
            "label": {"show": True, "formatter": "{b}: {c}"},
            "data": [{"name": name, "value": value} for name, value in funnel_stages(funnel)],
        }],
    }


def loss_ratio_chart(rows):
    return {
        "tooltip": {"trigger": "axis"},
        "grid": {"left": 50, "right": 20, "top": 30, "bottom": 30},
        "xAxis": {"type": "category", "data": [_segment(r["segment"]) for r in rows]},
        "yAxis": {"type": "value", "name": "%"},
        "series": [{"type": "bar", "name": _("Loss ratio"),
                    "data": [{"value": _percent(r["ratio"]),
                              "itemStyle": {"color": SEGMENT_COLOURS[r["segment"]]}}
                             for r in rows]}],
    }


def blacklist_chart(rows):
    quota = rows[0]["quota"] if rows else 0
    return {
        "tooltip": {"trigger": "axis"},
        "grid": {"left": 50, "right": 20, "top": 30, "bottom": 30},
        "xAxis": {"type": "category", "data": [r["unit"] for r in rows]},
        "yAxis": {"type": "value", "minInterval": 1},
        "series": [{"type": "bar", "name": _("Reported"), "data": [r["reported"] for r in rows],
                    "markLine": {"symbol": "none", "data": [{"yAxis": quota,
                                                             "name": _("Quota")}],
                                 "label": {"formatter": _("Quota") + " {c}"}}}],
    }


def dashboard_charts(data):
    """{chart id: ECharts option} for every chart of the dashboard."""
    return with_empty_marks({
        "segments": segments_chart(data["segments"]),
        "flows": flows_chart(data["flows"]),
        "renewals": renewal_months_chart(data["renewal_months"]),
        "funnel": funnel_chart(data["funnel"]),
        "loss": loss_ratio_chart(data["loss_ratios"]),
        "blacklist": blacklist_chart(data["blacklist"]),
    })
