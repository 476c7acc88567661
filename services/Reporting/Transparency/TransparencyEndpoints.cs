using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Takedown.ServiceDefaults.Auth;
using Takedown.ServiceDefaults.Http;

namespace Takedown.Reporting.Transparency;

public static class TransparencyEndpoints
{
    public static readonly IReadOnlyList<string> Formats = ["json", "csv", "html", "dsa-sor"];

    /// <summary>On format=dsa-sor: how many removals in the period have no statement because the database would refuse it.</summary>
    public const string WithheldHeader = "Takedown-Statements-Withheld";

    private static readonly JsonSerializerOptions StatementJson = new() { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    public static IEndpointRouteBuilder MapTransparencyReport(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/reports/transparency", GetAsync)
            .RequireAuthorization(Policies.ReadCases)
            .WithTags("Reports")
            .WithSummary("Transparency report for content first reported in [from, to): per platform and category, reports, notices, removal rate, " +
                         "time to removal, to acknowledgement and to any answer p50/p90/p99, notices unanswered after 24 h / 7 d / 30 d, refusals " +
                         "removed later, escalations outside the platform's channel, SLA compliance, re-uploads, views. format=json|csv|html, or dsa-sor for one DSA " +
                         "statement of reasons per item removed in [from, to), as JSON lines. Reporters get their own organisation's.");
        return app;
    }

    private static async Task<IResult> GetAsync(
        HttpContext http, TransparencyFacts facts, TimeProvider time,
        string? from, string? to, string? format, string? organisation, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        var start = QueryInstant.Parse(from, "from", endOfDay: false, required: true, errors);
        var end = QueryInstant.Parse(to, "to", endOfDay: true, required: true, errors);
        if (start is not null && end is not null && start >= end)
            errors["to"] = ["Must be after from."];
        var chosen = (format ?? "json").Trim().ToLowerInvariant();
        if (!Formats.Contains(chosen))
            errors["format"] = [$"One of: {string.Join(", ", Formats)}."];
        if (errors.Count > 0)
            return Results.ValidationProblem(errors);

        // Reporters are held to their own organisation whatever they ask for.
        if (!http.User.SeesAllOrganisations())
            organisation = http.User.Organisation();
        organisation = string.IsNullOrWhiteSpace(organisation) ? null : organisation.Trim();

        var (since, until) = (start!.Value, end!.Value);
        var name = $"transparency-{since.UtcDateTime:yyyy-MM-dd}-{until.AddTicks(-1).UtcDateTime:yyyy-MM-dd}";
        if (chosen == "dsa-sor")
        {
            var removed = await facts.RemovedAsync(since, until, organisation, ct);
            var lines = new StringBuilder();
            var statements = removed.Select(StatementsOfReasons.For).OfType<StatementOfReasons>().ToList();
            foreach (var statement in statements)
                lines.Append(JsonSerializer.Serialize(statement, StatementJson)).Append('\n');
            http.Response.Headers.ContentDisposition = $"attachment; filename=\"{name}-dsa-sor.jsonl\"";
            // Removals the database would refuse (dated before 2020): counted, not silently dropped.
            http.Response.Headers[WithheldHeader] = (removed.Count - statements.Count).ToString(CultureInfo.InvariantCulture);
            return Results.Text(lines.ToString(), "application/x-ndjson", Encoding.UTF8);
        }

        var reported = await facts.ReportedAsync(since, until, organisation, ct);
        var report = TransparencyFigures.Compute(reported, since, until, time.GetUtcNow(), organisation);
        switch (chosen)
        {
            case "csv":
                http.Response.Headers.ContentDisposition = $"attachment; filename=\"{name}.csv\"";
                return Results.Text(TransparencyCsv.Write(report), "text/csv; header=present", Encoding.UTF8);
            case "html":
                return Results.Text(TransparencyHtml.Render(report), "text/html", Encoding.UTF8);
            default:
                return Results.Ok(report);
        }
    }
}
