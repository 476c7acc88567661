using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Takedown.ServiceDefaults.Auth;

public sealed record IssueApiKeyRequest(string? Name, string? Organisation, string[]? Roles);

public static class ApiKeyEndpoints
{
    /// <summary>Key management for operators. Served by every service; all share the auth schema.</summary>
    public static IEndpointRouteBuilder MapApiKeys(this IEndpointRouteBuilder app)
    {
        var keys = app.MapGroup("/api/v1/admin/api-keys").RequireAuthorization(Policies.Administer).WithTags("Administration");

        keys.MapPost("/", async (IssueApiKeyRequest request, ApiKeys apiKeys, CancellationToken ct) =>
        {
            var errors = new Dictionary<string, string[]>();
            if (string.IsNullOrWhiteSpace(request.Name)) errors["name"] = ["A name is required."];
            if (string.IsNullOrWhiteSpace(request.Organisation)) errors["organisation"] = ["An organisation is required."];
            if (request.Roles is not { Length: > 0 } || request.Roles.Any(r => !Roles.All.Contains(r)))
                errors["roles"] = [$"One or more of: {string.Join(", ", Roles.All)}."];
            if (errors.Count > 0)
                return Results.ValidationProblem(errors);

            var issued = await apiKeys.IssueAsync(request.Name!.Trim(), request.Organisation!.Trim(), request.Roles!.Distinct().ToArray(), ct);
            return Results.Created($"/api/v1/admin/api-keys/{issued.Id}", issued);
        });

        keys.MapGet("/", async (ApiKeys apiKeys, CancellationToken ct) => Results.Ok(await apiKeys.ListAsync(ct)));

        keys.MapDelete("/{id:guid}", async (Guid id, ApiKeys apiKeys, CancellationToken ct) =>
            await apiKeys.RevokeAsync(id, ct) ? Results.NoContent() : Results.NotFound());

        return app;
    }
}
