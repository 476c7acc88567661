using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Takedown.ServiceDefaults.Health;

/// <summary>
/// The readiness answer: 200 with the overall status, or 503 as problem details naming each failing check, so an
/// operator sees why a replica is out of rotation. Exceptions stay in the logs: the endpoint needs no key.
/// </summary>
internal static class HealthResponses
{
    public static async Task WriteAsync(HttpContext context, HealthReport report)
    {
        var failing = report.Entries
            .Where(entry => entry.Value.Status != HealthStatus.Healthy)
            .OrderBy(entry => entry.Key, StringComparer.Ordinal)
            .ToDictionary(entry => entry.Key, entry => new { status = entry.Value.Status.ToString(), description = entry.Value.Description });
        if (context.Response.StatusCode < StatusCodes.Status400BadRequest) // healthy, or degraded but serving
        {
            // A degraded check (Elasticsearch away: search waits, the pipeline runs) says why, without taking the replica out.
            await context.Response.WriteAsJsonAsync(failing.Count == 0 ? new { status = report.Status.ToString() } : (object)new { status = report.Status.ToString(), checks = failing });
            return;
        }

        var problem = new ProblemDetails
        {
            Status = context.Response.StatusCode,
            Title = "The service is not ready.",
            Detail = $"Failing checks: {string.Join(", ", failing.Keys)}.",
            Extensions = { ["checks"] = failing },
        };
        var problems = context.RequestServices.GetRequiredService<IProblemDetailsService>();
        if (!await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem }))
            await context.Response.WriteAsync(problem.Detail); // the caller accepts no JSON
    }
}
