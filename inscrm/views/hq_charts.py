"""ECharts options for the branch comparison (one bar group per branch), and a branch's own
figures shaped for the dashboard's charts (the drill-down), words in the UI language."""

from flask_babel import gettext as _

from inscrm.formatting import wan
from inscrm.hq.comparison import NAMED_FLOWS
from inscrm.labels import label
from inscrm.models import SEGMENTS
from inscrm.views import charts

FLOW_COLOURS = {"mining": "#7c3aed", "growth": "#1d5fa8", "value_growth": "#2e7d32",
                "stripping": "#3b3b3b", "churn": "#c2410c"}


def _percent(rate):
    return None if rate is None else round(float(rate) * 100, 1)


def _grouped(branches, series, y_name="", stacked=False):
    """Bars per branch: `series` is [(name, colour or None, [value per branch])]."""
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "grid": {"left": 60, "right": 20, "top": 50, "bottom": 30},
        "xAxis": {"type": "category", "data": [b["name"] for b in branches]},
        "yAxis": {"type": "value", "name": y_name},
        "series": [{"type": "bar", "name": name, "data": values,
                    **({"stack": "all"} if stacked else {}),
                    **({"itemStyle": {"color": colour}} if colour else {})}
                   for name, colour, values in series],
    }


def _by_segment(branches, key, y_name="", scale=float):
    return _grouped(branches, [
        (_(label("segment", s)), charts.SEGMENT_COLOURS[s],
         [scale(b["segments"][s][key]) for b in branches]) for s in SEGMENTS], y_name,
        stacked=True)


def comparison_charts(data):
    """{chart id: ECharts option} for every chart of the branch comparison."""
    branches = data["branches"]
    rates = [(_("Renewal rate"), "renewal"), (_("Customer retention"), "retention"),
             (_("Conversion"), "conversion")]
    return charts.with_empty_marks({
        "customers": _by_segment(branches, "customers"),
        "premium": _by_segment(branches, "premium", charts.money_axis(_("Annual premium")),
                               wan),
        "rates": _grouped(branches, [
            (name, None, [_percent(b[key]["rate"]) for b in branches])
            for name, key in rates], "%"),
        "loss": _grouped(branches, [
            (_(label("segment", s)), charts.SEGMENT_COLOURS[s],
             [_percent(b["loss_ratios"][s]["ratio"]) for b in branches])
            for s in SEGMENTS], "%"),
        "blacklist": _grouped(branches, [
            (_("Reported"), None, [b["blacklist"]["reported"] for b in branches]),
            (_("Quota"), "#b0b8c1", [b["blacklist"]["quota"] for b in branches])]),
        "flows": _grouped(branches, [
            (_(label("flow", f)), FLOW_COLOURS[f], [b["flows"][f]["customers"] for b in branches])
            for f in NAMED_FLOWS], stacked=True),
    })


def branch_charts(branch):
    """The dashboard's charts over one branch's slice of the comparison."""
    segments = [{"segment": s, **branch["segments"][s]} for s in SEGMENTS]
    losses = [{"segment": s, **branch["loss_ratios"][s]} for s in SEGMENTS]
    return charts.with_empty_marks({
        "segments": charts.segments_chart(segments),
        "loss": charts.loss_ratio_chart(losses),
        "blacklist": charts.blacklist_chart(branch["blacklist"]["units"]),
    })
