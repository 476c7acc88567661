using Takedown.Reporting.Transparency;
using Takedown.ServiceDefaults.Auth;

namespace Takedown.Reporting.Statistics;

public static class PlatformStatistics
{
    public static readonly IReadOnlyList<string> Breakdowns = ["platform", "category"];

    public static IEndpointRouteBuilder MapPlatformStatistics(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/statistics/platforms", GetAsync)
            .RequireAuthorization(Policies.Analyse)
            .WithTags("Statistics")
            .WithSummary("Per platform (by=category: per platform × category), for cases first reported in [from, to): the transparency " +
                         "report's figures — counts by outcome, removal rate, time to removal, time to acknowledgement and to any answer " +
                         "p50/p90/p99, notices unanswered after 24 h / 7 d / 30 d, refusals removed later, escalations outside the platform's channel.");
        return app;
    }

    // The same read model and arithmetic as the transparency report, so a figure means the same in both.
    private static async Task<IResult> GetAsync(
        TransparencyFacts facts, TimeProvider time, DateTimeOffset? from, DateTimeOffset? to, string? by, CancellationToken ct)
    {
        var breakdown = (by ?? "platform").Trim().ToLowerInvariant();
        if (!Breakdowns.Contains(breakdown))
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["by"] = [$"One of: {string.Join(", ", Breakdowns)}."] });
        var now = time.GetUtcNow();
        var silenceAsOf = to is { } end && end < now ? end : now;
        var reported = await facts.ReportedAsync(from, to, organisation: null, ct);
        return breakdown == "category"
            ? Results.Ok(TransparencyFigures.PerPlatformAndCategory(reported, now, silenceAsOf))
            : Results.Ok(TransparencyFigures.PerPlatform(reported, now, silenceAsOf));
    }
}
