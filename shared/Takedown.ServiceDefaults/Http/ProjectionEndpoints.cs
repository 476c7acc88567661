using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Takedown.EventStore;
using Takedown.ServiceDefaults.Auth;

namespace Takedown.ServiceDefaults.Http;

public static class ProjectionEndpoints
{
    /// <summary>Operators see where each projection stands and rebuild one from zero while the others keep running.</summary>
    public static IEndpointRouteBuilder MapProjectionAdministration(this IEndpointRouteBuilder app)
    {
        var projections = app.MapGroup("/api/v1/admin/projections").RequireAuthorization(Policies.Administer).WithTags("Administration");

        projections.MapGet("/", async (ProjectionAdministration administration, CancellationToken ct) =>
            Results.Ok(new { projections = await administration.StatusAsync(ct), highWaterSkips = await administration.SkipsAsync(ct) }));

        // Answers once the rebuilt projection has caught up with the log; the other projections run on meanwhile.
        projections.MapPost("/{name}/rebuild", async (string name, int? timeoutSeconds, ProjectionAdministration administration, CancellationToken ct) =>
        {
            try
            {
                await administration.RebuildAsync(name, TimeSpan.FromSeconds(timeoutSeconds ?? 600), ct);
                return Results.Ok(new { name, rebuild = "completed", status = (await administration.StatusAsync(ct)).Single(s => s.Name == name) });
            }
            catch (UnknownProjectionException unknown)
            {
                return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such projection.", detail: unknown.Message);
            }
        });
        return app;
    }
}
