using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Takedown.ServiceDefaults.Auth;
using Takedown.ServiceDefaults.Messaging;

namespace Takedown.ServiceDefaults.Http;

public static class DeadLetterEndpoints
{
    private const int MaxTake = 100;

    /// <summary>Operators see what failed for good in this service's consumers, and send it back once the cause is fixed.</summary>
    public static IEndpointRouteBuilder MapDeadLetters(this IEndpointRouteBuilder app)
    {
        var deadLetters = app.MapGroup("/api/v1/admin/messages/dead-letters").RequireAuthorization(Policies.Administer).WithTags("Administration");

        deadLetters.MapGet("/", async (int? take, DeadLetters letters, CancellationToken ct) =>
        {
            if (take is < 0 or > MaxTake)
                return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid take.", detail: $"take must be between 0 and {MaxTake}.");
            var queues = await letters.ListAsync(take ?? 10, ct);
            return Results.Ok(new { total = queues.Sum(q => q.Count), queues });
        });

        deadLetters.MapPost("/redrive", async (string? queue, DeadLetters letters, CancellationToken ct) =>
        {
            try
            {
                var queues = await letters.RedriveAsync(string.IsNullOrWhiteSpace(queue) ? null : queue, ct);
                return Results.Ok(new { redriven = queues.Sum(q => q.Redriven), queues });
            }
            catch (UnknownQueueException unknown)
            {
                return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such queue.", detail: unknown.Message);
            }
        });
        return app;
    }
}
