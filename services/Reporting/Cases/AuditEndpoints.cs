using System.Text.Json;
using Takedown.EventStore;
using Takedown.ServiceDefaults.Auth;

namespace Takedown.Reporting.Cases;

/// <param name="FirstBrokenVersion">The first version whose hash, data or position does not hold; null when intact.</param>
public sealed record CaseAudit(string StreamId, bool Intact, long EventsChecked, long? FirstBrokenVersion, string? Problem);

public static class AuditEndpoints
{
    public static IEndpointRouteBuilder MapCaseAudit(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/api/v1/cases").WithTags("Cases")
            .MapGet("/{contentId:guid}/audit", GetAuditAsync)
            .RequireAuthorization(Policies.ReadCases)
            .WithSummary("Recomputes the case's hash chain from the stored events: intact, or the first version that does not hold.");
        return app;
    }

    private static async Task<IResult> GetAuditAsync(Guid contentId, HttpContext http, EventStore.EventStore store, CancellationToken ct)
    {
        var streamId = TakedownCase.StreamId(contentId);
        // Users who see every organisation skip the fold: an audit must still answer when an event was edited so
        // badly that it no longer deserialises. For them the chain itself tells whether the case exists.
        if (!http.User.SeesAllOrganisations() && !await ReporterMayReadAsync(http, store, contentId, ct))
            return CaseNotFound(contentId);

        var result = await AuditChain.VerifyStreamAsync(store.DataSource, store.Schema, streamId, ct);
        if (result is { Intact: true, EventsChecked: 0 })
            return CaseNotFound(contentId);
        return Results.Ok(new CaseAudit(result.StreamId, result.Intact, result.EventsChecked, result.FirstBrokenVersion, result.Problem));
    }

    // The rule of CaseEndpoints: reporters see their own organisation's cases only; others do not exist for them.
    private static async Task<bool> ReporterMayReadAsync(HttpContext http, EventStore.EventStore store, Guid contentId, CancellationToken ct)
    {
        try
        {
            var current = await store.AggregateAsync(TakedownCase.Aggregate, TakedownCase.StreamId(contentId), ct);
            return current.Exists && current.State.ReporterOrganisations.Contains(http.User.Organisation());
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException
            or JasperFx.Events.EventDeserializationFailureException or JasperFx.Events.UnknownEventTypeException or Marten.Exceptions.EventDeserializationFailureException)
        {
            // An unreadable event (unknown type name, edited JSON): the reporter's organisation cannot be proven.
            return false;
        }
    }

    private static IResult CaseNotFound(Guid contentId) =>
        Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such case.", detail: $"No case exists for content {contentId}.");
}
