using Takedown.ServiceDefaults.Auth;

namespace Takedown.Reporting.Cases;

public static class CaseList
{
    private const int MaxPageSize = 200;

    public static IEndpointRouteBuilder MapCaseList(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/cases", ListAsync)
            .RequireAuthorization(Policies.ReadCases)
            .WithTags("Cases")
            .WithSummary("Cases, newest report first (soonest deadline first with overdue or dueBefore), filtered by status, platform, category, "
                + "severity, organisation, account (e.g. x:someuser), report date and deadline; paged.");
        return app;
    }

    private static async Task<IResult> ListAsync(
        HttpContext http, CaseSummaries summaries, TimeProvider time, string? status, string? platform, string? category, string? severity,
        string? organisation, string? account, DateTimeOffset? from, DateTimeOffset? to, bool? overdue, DateTimeOffset? dueBefore, int? page, int? pageSize,
        CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (page is < 1) errors["page"] = ["Pages start at 1."];
        if (pageSize is < 1 or > MaxPageSize) errors["pageSize"] = [$"Between 1 and {MaxPageSize}."];
        // By name only: Enum.TryParse would also take "1".
        CaseStatus? wanted = Enum.GetValues<CaseStatus>().Where(s => string.Equals(s.ToString(), status, StringComparison.OrdinalIgnoreCase)).Select(s => (CaseStatus?)s).FirstOrDefault();
        if (status is not null && wanted is null)
            errors["status"] = [$"One of: {string.Join(", ", Enum.GetNames<CaseStatus>().Select(n => n.ToLowerInvariant()))}."];
        if (errors.Count > 0)
            return Results.ValidationProblem(errors);

        // Reporters are held to their own organisation whatever they ask for.
        if (!http.User.SeesAllOrganisations())
            organisation = http.User.Organisation();

        var filter = new CaseFilter(wanted, platform?.ToLowerInvariant(), category, severity?.ToUpperInvariant(), organisation, from, to, overdue, dueBefore, account);
        return Results.Ok(await summaries.ListAsync(filter, time.GetUtcNow(), page ?? 1, pageSize ?? 50, ct));
    }
}
