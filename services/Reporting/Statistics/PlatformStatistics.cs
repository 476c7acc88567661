using Takedown.ServiceDefaults.Auth;

namespace Takedown.Reporting.Statistics;

/// <param name="TimeToRemovalP50Hours">Median hours from first notice (from first report until notices are recorded) to removal.</param>
public sealed record PlatformFigures(
    string Platform, long Cases, long Reports, long Open, long Removed, long Rejected, double RemovalRate,
    double? TimeToRemovalP50Hours, double? TimeToRemovalP90Hours);

public static class PlatformStatistics
{
    public static IEndpointRouteBuilder MapPlatformStatistics(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/statistics/platforms", async (EventStore.EventStore store, DateTimeOffset? from, DateTimeOffset? to, CancellationToken ct) =>
            {
                await using var command = store.DataSource.CreateCommand(
                    $"""
                    SELECT platform, count(*), sum(report_count),
                           count(*) FILTER (WHERE status = 'open'), count(*) FILTER (WHERE status = 'removed'), count(*) FILTER (WHERE status = 'rejected'),
                           percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM removed_at - coalesce(first_notified_at, first_reported_at)) / 3600.0),
                           percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM removed_at - coalesce(first_notified_at, first_reported_at)) / 3600.0)
                    FROM {store.Schema}.case_summaries
                    WHERE platform IS NOT NULL
                      AND (@from::timestamptz IS NULL OR first_reported_at >= @from) AND (@to::timestamptz IS NULL OR first_reported_at < @to)
                    GROUP BY platform ORDER BY platform
                    """);
                command.Parameters.AddWithValue("from", (object?)from ?? DBNull.Value);
                command.Parameters.AddWithValue("to", (object?)to ?? DBNull.Value);
                await using var reader = await command.ExecuteReaderAsync(ct);
                var figures = new List<PlatformFigures>();
                while (await reader.ReadAsync(ct))
                {
                    var cases = reader.GetInt64(1);
                    var removed = reader.GetInt64(4);
                    figures.Add(new PlatformFigures(reader.GetString(0), cases, reader.GetInt64(2), reader.GetInt64(3), removed, reader.GetInt64(5),
                        cases == 0 ? 0 : Math.Round((double)removed / cases, 4),
                        reader.IsDBNull(6) ? null : Math.Round(reader.GetDouble(6), 2), reader.IsDBNull(7) ? null : Math.Round(reader.GetDouble(7), 2)));
                }
                return Results.Ok(figures);
            })
            .RequireAuthorization(Policies.Analyse)
            .WithTags("Statistics")
            .WithSummary("Per platform: cases and reports, counts by outcome, removal rate, time to removal p50/p90 in hours.");
        return app;
    }
}
