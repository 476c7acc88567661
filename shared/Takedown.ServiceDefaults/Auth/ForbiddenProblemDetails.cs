using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Infrastructure;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace Takedown.ServiceDefaults.Auth;

/// <summary>
/// A 403 says which roles the endpoint needs and which the key has, as problem details: a reporter who sends a notice
/// learns that it takes a liaison key, instead of a bare "Forbidden". Everything else is ASP.NET Core's own handling.
/// </summary>
public sealed class ForbiddenProblemDetails(IProblemDetailsService problems) : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (!authorizeResult.Forbidden)
        {
            await _default.HandleAsync(next, context, policy, authorizeResult);
            return;
        }
        var required = policy.Requirements.OfType<RolesAuthorizationRequirement>().SelectMany(r => r.AllowedRoles).Distinct().ToArray();
        var held = context.User.FindAll(ClaimTypes.Role).Select(c => c.Value).ToArray();
        context.Response.StatusCode = StatusCodes.Status403Forbidden;
        var problem = new ProblemDetails
        {
            Status = StatusCodes.Status403Forbidden,
            Title = "This API key's roles do not allow this.",
            Detail = $"It needs a key with one of the roles {string.Join(", ", required)}; this key has {(held.Length == 0 ? "none" : string.Join(", ", held))}.",
            Extensions = { ["requiredRoles"] = required, ["keyRoles"] = held },
        };
        await problems.WriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem });
    }
}
