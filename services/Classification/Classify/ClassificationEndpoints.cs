using Takedown.ServiceDefaults.Auth;

namespace Takedown.Classification.Classify;

public static class ClassificationEndpoints
{
    public static IEndpointRouteBuilder MapClassifications(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/classifications/{contentId:guid}", async (Guid contentId, EventStore.EventStore store, CancellationToken ct) =>
            {
                var events = await store.ReadStreamAsync(Classification.StreamId(contentId), ct);
                return events.Count == 0
                    ? Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not classified.", detail: $"Content {contentId} has no classification yet.")
                    : Results.Ok(events[^1].Data);
            })
            .RequireAuthorization(Policies.Analyse)
            .WithTags("Classification")
            .WithSummary("The latest classification of a content item, with its explanation.");
        return app;
    }
}
