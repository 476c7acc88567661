using System.Text;
using Npgsql;
using Takedown.ServiceDefaults.Auth;

namespace Takedown.Reporting.Cases;

public sealed record CaseListItem(
    Guid ContentId, long Version, string Status, string? Category, string? Severity, string? Platform, string? CanonicalUrl,
    int ReportCount, IReadOnlyList<string> ReporterOrganisations, DateTimeOffset? FirstReportedAt, DateTimeOffset? RemovedAt,
    string? Regime, DateTimeOffset? DueAt, bool Breached);

public sealed record CasePage(IReadOnlyList<CaseListItem> Items, int Page, int PageSize, long Total);

public static class CaseList
{
    private const int MaxPageSize = 200;

    public static IEndpointRouteBuilder MapCaseList(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/cases", ListAsync)
            .RequireAuthorization(Policies.ReadCases)
            .WithTags("Cases")
            .WithSummary("Cases, newest report first (soonest deadline first with overdue or dueBefore), filtered by status, platform, category, "
                + "severity, organisation, report date and deadline; paged.");
        return app;
    }

    private static async Task<IResult> ListAsync(
        HttpContext http, EventStore.EventStore store, TimeProvider time, string? status, string? platform, string? category, string? severity,
        string? organisation, DateTimeOffset? from, DateTimeOffset? to, bool? overdue, DateTimeOffset? dueBefore, int? page, int? pageSize,
        CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (page is < 1) errors["page"] = ["Pages start at 1."];
        if (pageSize is < 1 or > MaxPageSize) errors["pageSize"] = [$"Between 1 and {MaxPageSize}."];
        if (status is not null && !Enum.TryParse<CaseStatus>(status, ignoreCase: true, out _))
            errors["status"] = [$"One of: {string.Join(", ", Enum.GetNames<CaseStatus>().Select(n => n.ToLowerInvariant()))}."];
        if (errors.Count > 0)
            return Results.ValidationProblem(errors);

        // Reporters are held to their own organisation whatever they ask for.
        if (!http.User.SeesAllOrganisations())
            organisation = http.User.Organisation();

        var where = new StringBuilder("WHERE true");
        var parameters = new List<NpgsqlParameter>();
        void Filter(string sql, string name, object? value)
        {
            if (value is null) return;
            where.Append(" AND ").Append(sql);
            parameters.Add(new NpgsqlParameter(name, value));
        }
        Filter("status = @status", "status", status?.ToLowerInvariant());
        Filter("platform = @platform", "platform", platform?.ToLowerInvariant());
        Filter("category = @category", "category", category);
        Filter("severity = @severity", "severity", severity?.ToUpperInvariant());
        Filter("@organisation = ANY(reporter_organisations)", "organisation", organisation);
        Filter("first_reported_at >= @from", "from", from);
        Filter("first_reported_at < @to", "to", to);
        // A deadline counts only while the content is up (open or rejected); overdue means it has passed.
        var now = time.GetUtcNow();
        Filter("status IN ('open', 'rejected') AND due_at <= @now", "now", overdue == true ? now : null);
        Filter("NOT (status IN ('open', 'rejected') AND due_at IS NOT NULL AND due_at <= @notOverdueAt)", "notOverdueAt", overdue == false ? now : null);
        Filter("status IN ('open', 'rejected') AND due_at < @dueBefore", "dueBefore", dueBefore);
        var order = overdue == true || dueBefore is not null ? "due_at, id" : "first_reported_at DESC NULLS LAST, id";

        var size = pageSize ?? 50;
        var number = page ?? 1;
        await using var connection = await store.DataSource.OpenConnectionAsync(ct);
        await using var command = new NpgsqlCommand(
            $"""
            SELECT content_id, version, status, category, severity, platform, data->>'canonicalUrl', report_count,
                   reporter_organisations, first_reported_at, removed_at, regime, due_at, breached, count(*) OVER ()
            FROM {store.Schema}.case_summaries {where}
            ORDER BY {order}
            LIMIT @limit OFFSET @offset
            """, connection);
        command.Parameters.AddRange(parameters.ToArray());
        command.Parameters.AddWithValue("limit", size);
        command.Parameters.AddWithValue("offset", (long)(number - 1) * size);

        var items = new List<CaseListItem>();
        long total = 0;
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            items.Add(new CaseListItem(
                reader.GetGuid(0), reader.GetInt64(1), reader.GetString(2), Text(reader, 3), Text(reader, 4), Text(reader, 5), Text(reader, 6),
                reader.GetInt32(7), reader.GetFieldValue<string[]>(8), Time(reader, 9), Time(reader, 10),
                Text(reader, 11), Time(reader, 12), reader.GetBoolean(13)));
            total = reader.GetInt64(14);
        }
        return Results.Ok(new CasePage(items, number, size, total));
    }

    private static string? Text(NpgsqlDataReader reader, int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
    private static DateTimeOffset? Time(NpgsqlDataReader reader, int i) => reader.IsDBNull(i) ? null : reader.GetFieldValue<DateTimeOffset>(i);
}
