using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Takedown.ServiceDefaults.Auth;

/// <summary>Authenticates "X-Api-Key: KEY" or "Authorization: ApiKey KEY".</summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ApiKeys keys) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string HeaderName = "X-Api-Key";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? presented = Request.Headers[HeaderName];
        if (string.IsNullOrEmpty(presented))
        {
            string? authorization = Request.Headers.Authorization;
            if (authorization?.StartsWith(SchemeName + " ", StringComparison.OrdinalIgnoreCase) == true)
                presented = authorization[(SchemeName.Length + 1)..].Trim();
        }
        if (string.IsNullOrEmpty(presented))
            return AuthenticateResult.NoResult();

        var identity = await keys.FindAsync(presented, Context.RequestAborted);
        if (identity is null)
            return AuthenticateResult.Fail("Unknown or revoked API key.");

        var claims = new List<Claim>
        {
            new(ClaimTypes.Name, identity.Name),
            new(TakedownClaims.KeyId, identity.Id.ToString()),
            new(TakedownClaims.Organisation, identity.Organisation),
        };
        claims.AddRange(identity.Roles.Select(role => new Claim(ClaimTypes.Role, role)));
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
    }
}

public static class ClaimsPrincipalExtensions
{
    public static string Organisation(this ClaimsPrincipal user) => user.FindFirstValue(TakedownClaims.Organisation) ?? "";

    /// <summary>True when the caller may see every organisation's cases, not only its own.</summary>
    public static bool SeesAllOrganisations(this ClaimsPrincipal user) =>
        user.IsInRole(Roles.Analyst) || user.IsInRole(Roles.Liaison) || user.IsInRole(Roles.Admin);

    public static string Actor(this ClaimsPrincipal user) =>
        user.Identity?.IsAuthenticated == true ? $"api-key:{user.Identity.Name}@{user.Organisation()}" : "anonymous";
}
