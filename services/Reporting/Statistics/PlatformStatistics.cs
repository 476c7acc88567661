using Takedown.Reporting.Cases;
using Takedown.ServiceDefaults.Auth;

namespace Takedown.Reporting.Statistics;

public static class PlatformStatistics
{
    public static IEndpointRouteBuilder MapPlatformStatistics(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/statistics/platforms", async (CaseSummaries summaries, DateTimeOffset? from, DateTimeOffset? to, CancellationToken ct) =>
                Results.Ok(await summaries.PlatformFiguresAsync(from, to, ct)))
            .RequireAuthorization(Policies.Analyse)
            .WithTags("Statistics")
            .WithSummary("Per platform: cases and reports, counts by outcome, removal rate, time to removal p50/p90 in hours.");
        return app;
    }
}
