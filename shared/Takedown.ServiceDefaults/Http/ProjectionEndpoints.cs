using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Takedown.EventStore.Projections;
using Takedown.ServiceDefaults.Auth;

namespace Takedown.ServiceDefaults.Http;

public static class ProjectionEndpoints
{
    /// <summary>Operators see where each projection stands and rebuild one from zero while the others keep running.</summary>
    public static IEndpointRouteBuilder MapProjectionAdministration(this IEndpointRouteBuilder app)
    {
        var projections = app.MapGroup("/api/v1/admin/projections").RequireAuthorization(Policies.Administer).WithTags("Administration");

        projections.MapGet("/", async (ProjectionDaemon daemon, CancellationToken ct) => Results.Ok(await daemon.StatusAsync(ct)));

        projections.MapPost("/{name}/rebuild", async (string name, ProjectionDaemon daemon, CancellationToken ct) =>
        {
            try
            {
                await daemon.RequestRebuildAsync(name, ct);
                return Results.Accepted($"/api/v1/admin/projections", new { name, rebuild = "requested" });
            }
            catch (UnknownProjectionException unknown)
            {
                return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such projection.", detail: unknown.Message);
            }
        });
        return app;
    }
}
