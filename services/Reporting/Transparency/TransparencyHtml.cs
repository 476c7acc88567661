using System.Globalization;
using System.Net;
using System.Text;
using Takedown.Reporting.Statistics;

namespace Takedown.Reporting.Transparency;

/// <summary>
/// The report as one self-contained HTML page (inline CSS and SVG, no script, no external asset) that an NGO can
/// publish as it is. Each chart has a title, a description and a table with the same numbers. Every figure sits in
/// an element with <c>data-scope</c>, <c>data-figure</c> (the JSON property path) and <c>data-value</c> (the JSON
/// value), so the page can be checked against the JSON it was rendered from.
/// </summary>
public static class TransparencyHtml
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    private const string Style = """
        :root { --ink: #1b1f24; --muted: #57606a; --line: #d0d7de; --p50: #0b5cad; --p90: #7fb2e5; --p99: #b3261e; --ok: #1a7f37; --miss: #cf222e; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 16px/1.5 system-ui, "DejaVu Sans", "Liberation Sans", Arial, sans-serif; color: var(--ink); background: #fff; }
        header { background: #0b2545; color: #fff; padding: 2rem 3rem 1.5rem; }
        header h1 { margin: 0 0 .25rem; font-size: 2rem; }
        header p { margin: 0; color: #dbe6f3; }
        main { padding: 1rem 3rem 3rem; max-width: 72rem; }
        h2 { margin: 2rem 0 .75rem; font-size: 1.35rem; border-bottom: 2px solid var(--line); padding-bottom: .25rem; }
        .cards { display: grid; grid-template-columns: repeat(4, 1fr); gap: .75rem; margin: 0; }
        .card { border: 1px solid var(--line); border-radius: .5rem; padding: .75rem 1rem; }
        .card dt { color: var(--muted); font-size: .85rem; }
        .card dd { margin: 0; font-size: 1.6rem; font-weight: 700; }
        figure { margin: 0 0 1rem; }
        figcaption { color: var(--muted); font-size: .85rem; }
        svg text { font: 13px system-ui, "DejaVu Sans", "Liberation Sans", Arial, sans-serif; fill: var(--ink); }
        table { border-collapse: collapse; margin: .5rem 0 1rem; font-size: .9rem; }
        caption { text-align: left; font-weight: 600; padding-bottom: .25rem; }
        th, td { border-bottom: 1px solid var(--line); padding: .3rem .6rem; text-align: right; }
        th:first-child, td:first-child, th.text, td.text { text-align: left; }
        thead th { background: #f6f8fa; }
        .legend span { display: inline-block; margin-right: 1rem; }
        .swatch { display: inline-block; width: .8rem; height: .8rem; margin-right: .3rem; vertical-align: -.05rem; }
        .method { color: var(--muted); font-size: .9rem; max-width: 60rem; }
        """;

    public static string Render(TransparencyReport report)
    {
        var html = new StringBuilder();
        var period = $"{Day(report.From)} – {Day(report.To.AddTicks(-1))}";
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
            .Append(Invariant, $"<title>Transparency report, {Encode(period)}</title>\n<style>\n{Style}\n</style>\n</head>\n<body>\n")
            .Append("<header>\n<h1>Takedown transparency report</h1>\n")
            .Append(Invariant, $"<p>Content reported from {Encode(period)} (UTC), ")
            .Append(report.Organisation is null ? "all reporting organisations" : $"reported by {Encode(report.Organisation)}")
            .Append(Invariant, $". Outcomes as of {Encode(report.GeneratedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm", Invariant))} UTC.</p>\n</header>\n<main>\n");

        KeyFigures(html, report.Totals);
        PercentilesPerPlatform(html, report.Platforms, f => f.TimeToRemoval, "timeToRemoval", "time-to-removal", "Time to removal per platform",
            "Hours from the first notice to the removal, per platform", "Removed after a notice", "No item was removed after a notice in this period.");
        PercentilesPerPlatform(html, report.Platforms, f => f.Answers.TimeToAnswer, "answers.timeToAnswer", "time-to-answer",
            "Time to the platform's first answer per platform",
            "Hours from the first notice to the platform's first answer of any kind (acknowledgement, refusal or removal), per platform",
            "Answered", "No notice was answered in this period.");
        Silence(html, report.Platforms, report.Totals);
        RemovalRateOverTime(html, report.RemovalRateOverTime);
        SlaCompliance(html, report.Platforms, report.Totals);
        Breakdown(html, "platforms", "By platform", "Platform", report.Platforms.Select(p => ($"platform/{p.Platform}", p.Platform, p.Figures)));
        Breakdown(html, "categories", "By category", "Category", report.Categories.Select(c => ($"category/{c.Category}", c.Category, c.Figures)));
        Breakdown(html, "platform-categories", "By platform and category", "Platform · category",
            report.PlatformCategories.Select(p => ($"platform-category/{p.Platform}/{p.Category}", $"{p.Platform} · {p.Category}", p.Figures)));
        Method(html);
        html.Append("</main>\n</body>\n</html>\n");
        return html.ToString();
    }

    private static void KeyFigures(StringBuilder html, Figures t)
    {
        html.Append("<section aria-labelledby=\"key-figures\">\n<h2 id=\"key-figures\">Key figures</h2>\n<dl class=\"cards\">\n");
        void Card(string label, string figure, object? value, Func<object?, string> format) =>
            html.Append(Invariant, $"<div class=\"card\"><dt>{label}</dt>{Figure("dd", "totals", figure, value, format)}</div>\n");
        Card("Items reported", "cases", t.Cases, Count);
        Card("Reports received", "reports", t.Reports, Count);
        Card("Notices sent to platforms", "noticesSent", t.NoticesSent, Count);
        Card("Items removed", "removed", t.Removed, Count);
        Card("Removal rate", "removalRate", t.RemovalRate, Percent);
        Card("Median time to removal", "timeToRemoval.p50Hours", t.TimeToRemoval.P50Hours, Hours);
        Card("SLA compliance", "sla.complianceRate", t.Sla.ComplianceRate, Percent);
        Card("Re-uploads detected", "reuploads", t.Reuploads, Count);
        Card("Median time to a first answer", "answers.timeToAnswer.p50Hours", t.Answers.TimeToAnswer.P50Hours, Hours);
        Card("Notices unanswered after 7 days", "answers.unansweredAfter7Days", t.Answers.UnansweredAfter7Days, Count);
        Card("“Does not violate”, removed later", "answers.removedAfterDoesNotViolateShare", t.Answers.RemovedAfterDoesNotViolateShare, Percent);
        Card("Escalated outside the platform", "answers.escalatedOutsideChannel", t.Answers.EscalatedOutsideChannel, Count);
        html.Append("</dl>\n</section>\n");
    }

    /// <summary>A duration's median, 90th and 99th percentile per platform: a chart, then a table with the same numbers.</summary>
    /// <param name="figure">The duration's JSON path, e.g. "timeToRemoval".</param>
    private static void PercentilesPerPlatform(
        StringBuilder html, IReadOnlyList<PlatformFigures> platforms, Func<Figures, DurationPercentiles> durations, string figure, string id,
        string heading, string title, string countLabel, string none)
    {
        var measured = platforms.Where(p => durations(p.Figures).Count > 0).ToList();
        html.Append(Invariant, $"<section aria-labelledby=\"{id}\">\n<h2 id=\"{id}\">{Encode(heading)}</h2>\n");
        if (measured.Count == 0)
        {
            html.Append(Invariant, $"<p>{Encode(none)}</p>\n</section>\n");
            return;
        }
        const int width = 900, left = 150, right = 250, row = 40, top = 10;
        var height = top + measured.Count * row + 40;
        var max = NiceCeiling(measured.Max(p => durations(p.Figures).P99Hours ?? durations(p.Figures).P90Hours ?? 0));
        double X(double hours) => left + hours / max * (width - left - right);

        html.Append("<figure>\n")
            .Append(Invariant, $"<svg role=\"img\" aria-labelledby=\"{id}-title {id}-desc\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\">\n")
            .Append(Invariant, $"<title id=\"{id}-title\">{Encode(title)}</title>\n")
            .Append(Invariant, $"<desc id=\"{id}-desc\">For each platform a dark bar to the median, a light bar to the 90th percentile and a red mark at the 99th percentile. The table below gives the same numbers.</desc>\n");
        Axis(html, left, top + measured.Count * row, width - right, max, X, h => h.ToString("0.##", Invariant) + " h");
        for (var i = 0; i < measured.Count; i++)
        {
            var (platform, ttr) = (measured[i].Platform, durations(measured[i].Figures));
            var y = top + i * row;
            html.Append(Invariant, $"<text x=\"{left - 8}\" y=\"{y + 22}\" text-anchor=\"end\">{Encode(platform)}</text>\n");
            if (ttr.P90Hours is { } p90)
                html.Append(Invariant, $"<rect x=\"{left}\" y=\"{y + 8}\" width=\"{F(X(p90) - left)}\" height=\"20\" fill=\"var(--p90)\"><title>{Encode(platform)}: 90th percentile {Hours(p90)}</title></rect>\n");
            if (ttr.P50Hours is { } p50)
                html.Append(Invariant, $"<rect x=\"{left}\" y=\"{y + 8}\" width=\"{F(Math.Max(1, X(p50) - left))}\" height=\"20\" fill=\"var(--p50)\"><title>{Encode(platform)}: median {Hours(p50)}</title></rect>\n");
            if (ttr.P99Hours is { } p99)
                html.Append(Invariant, $"<rect x=\"{F(X(p99) - 1.5)}\" y=\"{y + 4}\" width=\"3\" height=\"28\" fill=\"var(--p99)\"><title>{Encode(platform)}: 99th percentile {Hours(p99)}</title></rect>\n");
            html.Append(Invariant, $"<text x=\"{width - right + 12}\" y=\"{y + 22}\">median {Hours(ttr.P50Hours)} · p90 {Hours(ttr.P90Hours)} · p99 {Hours(ttr.P99Hours)}</text>\n");
        }
        html.Append("</svg>\n<figcaption class=\"legend\"><span><i class=\"swatch\" style=\"background:var(--p50)\"></i>median (p50)</span>")
            .Append("<span><i class=\"swatch\" style=\"background:var(--p90)\"></i>90th percentile</span>")
            .Append("<span><i class=\"swatch\" style=\"background:var(--p99)\"></i>99th percentile</span></figcaption>\n</figure>\n");

        html.Append(Invariant, $"<table>\n<caption>{Encode(heading)} (hours from the first notice)</caption>\n")
            .Append(Invariant, $"<thead><tr><th scope=\"col\">Platform</th><th scope=\"col\">{Encode(countLabel)}</th><th scope=\"col\">Median</th><th scope=\"col\">90th percentile</th><th scope=\"col\">99th percentile</th></tr></thead>\n<tbody>\n");
        foreach (var p in measured)
        {
            var (scope, d) = ($"platform/{p.Platform}", durations(p.Figures));
            html.Append(Invariant, $"<tr><th scope=\"row\">{Encode(p.Platform)}</th>")
                .Append(Figure("td", scope, $"{figure}.count", d.Count, Count))
                .Append(Figure("td", scope, $"{figure}.p50Hours", d.P50Hours, Hours))
                .Append(Figure("td", scope, $"{figure}.p90Hours", d.P90Hours, Hours))
                .Append(Figure("td", scope, $"{figure}.p99Hours", d.P99Hours, Hours))
                .Append("</tr>\n");
        }
        html.Append("</tbody>\n</table>\n</section>\n");
    }

    /// <summary>
    /// Per platform, first notices still unanswered after 24 hours, 7 days and 30 days (as of the period's end): grouped bars,
    /// then a table with those counts beside acknowledgement times, refusals removed later and escalations.
    /// </summary>
    private static void Silence(StringBuilder html, IReadOnlyList<PlatformFigures> platforms, Figures totals)
    {
        var rows = platforms.Where(p => p.Figures.Answers.Notified > 0).Select(p => (Name: p.Platform, p.Figures.Answers, Scope: $"platform/{p.Platform}")).ToList();
        html.Append("<section aria-labelledby=\"silence\">\n<h2 id=\"silence\">Notices left unanswered</h2>\n");
        if (rows.Count == 0)
        {
            html.Append("<p>No notice was sent in this period.</p>\n</section>\n");
            return;
        }
        rows.Add(("all platforms", totals.Answers, "totals"));
        (string Label, string Colour, Func<AnswerFigures, long> Count)[] bounds =
        [
            ("after 24 hours", "var(--p90)", a => a.UnansweredAfter24Hours),
            ("after 7 days", "var(--p50)", a => a.UnansweredAfter7Days),
            ("after 30 days", "var(--p99)", a => a.UnansweredAfter30Days),
        ];
        const int width = 900, left = 150, right = 80, bar = 12, row = 3 * bar + 16, top = 10;
        var height = top + rows.Count * row + 40;
        // Counts: an axis in four whole steps.
        var max = 4 * Math.Max(1, (int)Math.Ceiling(rows.Max(r => r.Answers.UnansweredAfter24Hours) / 4.0));
        double X(double count) => left + count / max * (width - left - right);
        html.Append("<figure>\n")
            .Append(Invariant, $"<svg role=\"img\" aria-labelledby=\"silence-title silence-desc\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\">\n")
            .Append("<title id=\"silence-title\">First notices with no answer after 24 hours, 7 days and 30 days, per platform</title>\n")
            .Append("<desc id=\"silence-desc\">For each platform three bars: how many first notices had no answer of any kind 24 hours, 7 days and 30 days after they were sent, counting those sent long enough before the end of the period. The table below gives the same numbers.</desc>\n");
        Axis(html, left, top + rows.Count * row, width - right, max, X, c => c.ToString("0.##", Invariant));
        for (var i = 0; i < rows.Count; i++)
        {
            var (name, answers, _) = rows[i];
            var y = top + i * row;
            html.Append(Invariant, $"<text x=\"{left - 8}\" y=\"{y + 2 * bar}\" text-anchor=\"end\">{Encode(name)}</text>\n");
            for (var b = 0; b < bounds.Length; b++)
            {
                var count = bounds[b].Count(answers);
                html.Append(Invariant, $"<rect x=\"{left}\" y=\"{y + 4 + b * bar}\" width=\"{F(Math.Max(count == 0 ? 0 : 1, X(count) - left))}\" height=\"{bar - 2}\" fill=\"{bounds[b].Colour}\"><title>{Encode(name)}: {count} unanswered {bounds[b].Label}</title></rect>\n");
            }
            html.Append(Invariant, $"<text x=\"{F(X(max) + 6)}\" y=\"{y + 2 * bar}\">{answers.UnansweredAfter24Hours} · {answers.UnansweredAfter7Days} · {answers.UnansweredAfter30Days}</text>\n");
        }
        html.Append("</svg>\n<figcaption class=\"legend\">");
        foreach (var (label, colour, _) in bounds)
            html.Append(Invariant, $"<span><i class=\"swatch\" style=\"background:{colour}\"></i>unanswered {label}</span>");
        html.Append("</figcaption>\n</figure>\n");

        html.Append("<table>\n<caption>Answers to the first notice per platform</caption>\n<thead><tr><th scope=\"col\">Platform</th>")
            .Append("<th scope=\"col\">Notified</th><th scope=\"col\">Median hours to acknowledgement</th><th scope=\"col\">Unanswered after 24 h</th>")
            .Append("<th scope=\"col\">after 7 days</th><th scope=\"col\">after 30 days</th><th scope=\"col\">“Does not violate”</th>")
            .Append("<th scope=\"col\">of which removed later</th><th scope=\"col\">Share removed later</th><th scope=\"col\">Escalated outside the platform</th></tr></thead>\n<tbody>\n");
        foreach (var (name, a, scope) in rows)
            html.Append(Invariant, $"<tr><th scope=\"row\">{Encode(name)}</th>")
                .Append(Figure("td", scope, "answers.notified", a.Notified, Count))
                .Append(Figure("td", scope, "answers.timeToAcknowledgement.p50Hours", a.TimeToAcknowledgement.P50Hours, Hours))
                .Append(Figure("td", scope, "answers.unansweredAfter24Hours", a.UnansweredAfter24Hours, Count))
                .Append(Figure("td", scope, "answers.unansweredAfter7Days", a.UnansweredAfter7Days, Count))
                .Append(Figure("td", scope, "answers.unansweredAfter30Days", a.UnansweredAfter30Days, Count))
                .Append(Figure("td", scope, "answers.answeredDoesNotViolate", a.AnsweredDoesNotViolate, Count))
                .Append(Figure("td", scope, "answers.removedAfterDoesNotViolate", a.RemovedAfterDoesNotViolate, Count))
                .Append(Figure("td", scope, "answers.removedAfterDoesNotViolateShare", a.RemovedAfterDoesNotViolateShare, Percent))
                .Append(Figure("td", scope, "answers.escalatedOutsideChannel", a.EscalatedOutsideChannel, Count))
                .Append("</tr>\n");
        html.Append("</tbody>\n</table>\n</section>\n");
    }

    private static void RemovalRateOverTime(StringBuilder html, RemovalRateSeries series)
    {
        var unit = series.Interval == "day" ? "day" : "month";
        html.Append(Invariant, $"<section aria-labelledby=\"removal-rate\">\n<h2 id=\"removal-rate\">Removal rate over time</h2>\n");
        const int width = 900, left = 60, right = 20, top = 10, plot = 220;
        var points = series.Points;
        var slot = (width - left - right) / (double)Math.Max(1, points.Count);
        var height = top + plot + 50;
        double Y(double rate) => top + plot - rate * plot;
        html.Append("<figure>\n")
            .Append(Invariant, $"<svg role=\"img\" aria-labelledby=\"rate-title rate-desc\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\">\n")
            .Append(Invariant, $"<title id=\"rate-title\">Share of reported items removed, per {unit} of first report</title>\n")
            .Append(Invariant, $"<desc id=\"rate-desc\">One column per {unit}: the share of the items first reported then that have been removed. A {unit} without reports has no column. The table below gives the same numbers.</desc>\n");
        foreach (var tick in new[] { 0, 0.25, 0.5, 0.75, 1 })
            html.Append(Invariant, $"<line x1=\"{left}\" x2=\"{width - right}\" y1=\"{F(Y(tick))}\" y2=\"{F(Y(tick))}\" stroke=\"#d0d7de\"/>")
                .Append(Invariant, $"<text x=\"{left - 6}\" y=\"{F(Y(tick) + 4)}\" text-anchor=\"end\">{tick * 100:0} %</text>\n");
        var labelEvery = Math.Max(1, (int)Math.Ceiling(points.Count / 12.0));
        for (var i = 0; i < points.Count; i++)
        {
            var point = points[i];
            var x = left + i * slot;
            if (point.RemovalRate is { } rate)
                html.Append(Invariant, $"<rect x=\"{F(x + slot * 0.15)}\" y=\"{F(Y(rate))}\" width=\"{F(slot * 0.7)}\" height=\"{F(Math.Max(1, rate * plot))}\" fill=\"var(--p50)\"><title>{Bucket(point.Start, unit)}: {Percent(rate)} of {point.Cases} removed</title></rect>\n");
            if (i % labelEvery == 0)
                html.Append(Invariant, $"<text x=\"{F(x + slot / 2)}\" y=\"{top + plot + 20}\" text-anchor=\"middle\">{Bucket(point.Start, unit)}</text>\n");
        }
        html.Append("</svg>\n</figure>\n");

        html.Append(Invariant, $"<table>\n<caption>Removal rate per {unit} of first report</caption>\n")
            .Append(Invariant, $"<thead><tr><th scope=\"col\">{(unit == "day" ? "Day" : "Month")}</th><th scope=\"col\">Items reported</th><th scope=\"col\">Removed</th><th scope=\"col\">Removal rate</th></tr></thead>\n<tbody>\n");
        foreach (var point in points.Where(p => p.Cases > 0))
        {
            var scope = $"over-time/{point.Start:yyyy-MM-dd}";
            html.Append(Invariant, $"<tr><th scope=\"row\">{Bucket(point.Start, unit)}</th>")
                .Append(Figure("td", scope, "cases", point.Cases, Count))
                .Append(Figure("td", scope, "removed", point.Removed, Count))
                .Append(Figure("td", scope, "removalRate", point.RemovalRate, Percent))
                .Append("</tr>\n");
        }
        html.Append("</tbody>\n</table>\n</section>\n");
    }

    private static void SlaCompliance(StringBuilder html, IReadOnlyList<PlatformFigures> platforms, Figures totals)
    {
        var rows = platforms.Where(p => p.Figures.Sla.WithDeadline > 0).Select(p => (p.Platform, p.Figures.Sla, Scope: $"platform/{p.Platform}")).ToList();
        html.Append("<section aria-labelledby=\"sla\">\n<h2 id=\"sla\">Removal within the legal or agreed deadline</h2>\n");
        if (rows.Count == 0)
        {
            html.Append("<p>No item in this period had a deadline that has passed.</p>\n</section>\n");
            return;
        }
        rows.Add(("all platforms", totals.Sla, "totals"));
        const int width = 900, left = 150, right = 80, row = 36, top = 10;
        var height = top + rows.Count * row + 40;
        double X(double rate) => left + rate * (width - left - right);
        html.Append("<figure>\n")
            .Append(Invariant, $"<svg role=\"img\" aria-labelledby=\"sla-title sla-desc\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\">\n")
            .Append("<title id=\"sla-title\">Share of deadlines met, per platform</title>\n")
            .Append("<desc id=\"sla-desc\">For each platform, the share of items with a passed deadline that were removed by it (green) and the share that were not (red). The table below gives the same numbers.</desc>\n");
        Axis(html, left, top + rows.Count * row, width - right, 1, X, r => (r * 100).ToString("0", Invariant) + " %");
        for (var i = 0; i < rows.Count; i++)
        {
            var (name, sla, _) = rows[i];
            var y = top + i * row;
            var rate = sla.ComplianceRate ?? 0;
            html.Append(Invariant, $"<text x=\"{left - 8}\" y=\"{y + 21}\" text-anchor=\"end\">{Encode(name)}</text>\n")
                .Append(Invariant, $"<rect x=\"{left}\" y=\"{y + 6}\" width=\"{F(X(1) - left)}\" height=\"20\" fill=\"var(--miss)\" opacity=\"0.85\"><title>{Encode(name)}: {sla.Missed} missed</title></rect>\n")
                .Append(Invariant, $"<rect x=\"{left}\" y=\"{y + 6}\" width=\"{F(X(rate) - left)}\" height=\"20\" fill=\"var(--ok)\"><title>{Encode(name)}: {sla.Met} of {sla.WithDeadline} met</title></rect>\n")
                .Append(Invariant, $"<text x=\"{F(X(1) + 6)}\" y=\"{y + 21}\">{Percent(sla.ComplianceRate)}</text>\n");
        }
        html.Append("</svg>\n<figcaption class=\"legend\"><span><i class=\"swatch\" style=\"background:var(--ok)\"></i>removed by the deadline</span>")
            .Append("<span><i class=\"swatch\" style=\"background:var(--miss)\"></i>not removed by the deadline</span></figcaption>\n</figure>\n");

        html.Append("<table>\n<caption>Deadlines met per platform</caption>\n")
            .Append("<thead><tr><th scope=\"col\">Platform</th><th scope=\"col\">Deadlines passed or met</th><th scope=\"col\">Met</th><th scope=\"col\">Missed</th><th scope=\"col\">Still running</th><th scope=\"col\">Compliance</th></tr></thead>\n<tbody>\n");
        foreach (var (name, sla, scope) in rows)
            html.Append(Invariant, $"<tr><th scope=\"row\">{Encode(name)}</th>")
                .Append(Figure("td", scope, "sla.withDeadline", sla.WithDeadline, Count))
                .Append(Figure("td", scope, "sla.met", sla.Met, Count))
                .Append(Figure("td", scope, "sla.missed", sla.Missed, Count))
                .Append(Figure("td", scope, "sla.pending", sla.Pending, Count))
                .Append(Figure("td", scope, "sla.complianceRate", sla.ComplianceRate, Percent))
                .Append("</tr>\n");
        html.Append("</tbody>\n</table>\n</section>\n");
    }

    private static void Breakdown(StringBuilder html, string id, string heading, string label, IEnumerable<(string Scope, string Name, Figures Figures)> rows)
    {
        html.Append(Invariant, $"<section aria-labelledby=\"{id}\">\n<h2 id=\"{id}\">{heading}</h2>\n<table>\n<caption>{heading}: all figures</caption>\n<thead><tr>")
            .Append(Invariant, $"<th scope=\"col\">{Encode(label)}</th><th scope=\"col\">Items</th><th scope=\"col\">Reports</th><th scope=\"col\">Notified</th>")
            .Append("<th scope=\"col\">Removed</th><th scope=\"col\">Rejected</th><th scope=\"col\">Open</th><th scope=\"col\">Removal rate</th>")
            .Append("<th scope=\"col\">Median hours</th><th scope=\"col\">p90 hours</th><th scope=\"col\">p99 hours</th><th scope=\"col\">SLA compliance</th>")
            .Append("<th scope=\"col\">Re-uploads</th><th scope=\"col\">Views before removal</th><th scope=\"col\">Median hours to an answer</th>")
            .Append("<th scope=\"col\">Unanswered after 24 h</th><th scope=\"col\">after 7 days</th><th scope=\"col\">after 30 days</th></tr></thead>\n<tbody>\n");
        foreach (var (scope, name, f) in rows)
            html.Append(Invariant, $"<tr><th scope=\"row\">{Encode(name)}</th>")
                .Append(Figure("td", scope, "cases", f.Cases, Count))
                .Append(Figure("td", scope, "reports", f.Reports, Count))
                .Append(Figure("td", scope, "notified", f.Notified, Count))
                .Append(Figure("td", scope, "removed", f.Removed, Count))
                .Append(Figure("td", scope, "rejected", f.Rejected, Count))
                .Append(Figure("td", scope, "open", f.Open, Count))
                .Append(Figure("td", scope, "removalRate", f.RemovalRate, Percent))
                .Append(Figure("td", scope, "timeToRemoval.p50Hours", f.TimeToRemoval.P50Hours, Hours))
                .Append(Figure("td", scope, "timeToRemoval.p90Hours", f.TimeToRemoval.P90Hours, Hours))
                .Append(Figure("td", scope, "timeToRemoval.p99Hours", f.TimeToRemoval.P99Hours, Hours))
                .Append(Figure("td", scope, "sla.complianceRate", f.Sla.ComplianceRate, Percent))
                .Append(Figure("td", scope, "reuploads", f.Reuploads, Count))
                .Append(Figure("td", scope, "viewsBeforeRemoval.total", f.ViewsBeforeRemoval.Total, Count))
                .Append(Figure("td", scope, "answers.timeToAnswer.p50Hours", f.Answers.TimeToAnswer.P50Hours, Hours))
                .Append(Figure("td", scope, "answers.unansweredAfter24Hours", f.Answers.UnansweredAfter24Hours, Count))
                .Append(Figure("td", scope, "answers.unansweredAfter7Days", f.Answers.UnansweredAfter7Days, Count))
                .Append(Figure("td", scope, "answers.unansweredAfter30Days", f.Answers.UnansweredAfter30Days, Count))
                .Append("</tr>\n");
        html.Append("</tbody>\n</table>\n</section>\n");
    }

    private static void Method(StringBuilder html) => html.Append("""
        <section aria-labelledby="method" class="method">
        <h2 id="method">How these figures are computed</h2>
        <p>Items are counted once however often they were reported, and belong to the period in which they were first
        reported; their outcome is the one known when the report was generated. The <strong>removal rate</strong> is items
        removed divided by items reported. <strong>Time to removal</strong> runs from the first notice sent to the platform to
        the confirmed removal; items removed before any notice are not in it. Percentiles use the <strong>nearest-rank
        method</strong>: the p-th percentile of n durations is the ⌈p × n / 100⌉-th smallest, always an observed duration.
        An item's <strong>deadline</strong> is the one its legal regime sets (for example one hour for a removal order under
        Regulation (EU) 2021/784, 24 hours for manifestly unlawful content under NetzDG) or the platform's own commitment.
        <strong>SLA compliance</strong> is the share of items whose deadline has passed, or that were removed, that were
        removed by it; items whose deadline is still ahead are left out. <strong>Views before removal</strong> is the sum over
        removed items of the highest view count a reporter gave before the removal, where reporters gave one.</p>
        <p>A platform's <strong>answer</strong> to a notice is the first acknowledgement, refusal (“does not violate”) or
        removal after the first notice; <strong>time to an answer</strong> and <strong>time to acknowledgement</strong> run
        from the first notice. A notice is <strong>unanswered after 24 hours</strong> (7 days, 30 days) when it was sent at
        least that long before the end of the period and no answer came within that time; a later answer does not undo the
        silence. <strong>Removed later</strong> counts items the platform first refused and then removed anyway.
        <strong>Escalated outside the platform</strong> counts items that needed a later notice round the platform's own
        channels: through a personal contact at the platform, or a removal order by an authority.</p>
        </section>

        """);

    /// <summary>A figure with its JSON path and exact JSON value; the visible text shows the same number.</summary>
    private static string Figure(string element, string scope, string figure, object? value, Func<object?, string> format) =>
        $"<{element} data-scope=\"{Encode(scope)}\" data-figure=\"{figure}\" data-value=\"{JsonValue(value)}\">{format(value)}</{element}>";

    private static string JsonValue(object? value) => value switch
    {
        null => "",
        double d => d.ToString("R", Invariant),
        IFormattable n => n.ToString(null, Invariant),
        _ => Encode(value.ToString()!),
    };

    private static string Count(object? value) => value is null ? "–" : Convert.ToInt64(value, Invariant).ToString("N0", Invariant);

    // Rates carry four decimals, so two decimals of a percentage show them exactly.
    private static string Percent(object? value) => value is null ? "–" : (Convert.ToDouble(value, Invariant) * 100).ToString("0.##", Invariant) + " %";

    private static string Hours(object? value) => value is null ? "–" : $"{Convert.ToDouble(value, Invariant).ToString("0.##", Invariant)} h";

    private static void Axis(StringBuilder html, int left, int bottom, int right, double max, Func<double, double> x, Func<double, string> label)
    {
        html.Append(Invariant, $"<line x1=\"{left}\" x2=\"{right}\" y1=\"{bottom}\" y2=\"{bottom}\" stroke=\"#57606a\"/>\n");
        for (var i = 0; i <= 4; i++)
        {
            var value = max * i / 4;
            html.Append(Invariant, $"<line x1=\"{F(x(value))}\" x2=\"{F(x(value))}\" y1=\"{bottom}\" y2=\"{bottom + 5}\" stroke=\"#57606a\"/>")
                .Append(Invariant, $"<text x=\"{F(x(value))}\" y=\"{bottom + 20}\" text-anchor=\"middle\">{label(value)}</text>\n");
        }
    }

    /// <summary>1, 2 or 5 times a power of ten, at or above the value: axis ends people can read.</summary>
    private static double NiceCeiling(double value)
    {
        if (value <= 0)
            return 1;
        var power = Math.Pow(10, Math.Floor(Math.Log10(value)));
        return new[] { 1, 2, 5, 10 }.Select(m => m * power).First(v => v >= value);
    }

    private static string Bucket(DateOnly start, string unit) => start.ToString(unit == "day" ? "d MMM" : "MMM yyyy", Invariant);

    private static string Day(DateTimeOffset instant) => instant.UtcDateTime.ToString("d MMMM yyyy", Invariant);

    private static string F(double value) => value.ToString("0.#", Invariant);

    private static string Encode(string text) => WebUtility.HtmlEncode(text);
}
