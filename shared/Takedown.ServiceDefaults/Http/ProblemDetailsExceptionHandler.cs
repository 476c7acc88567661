using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Takedown.ServiceDefaults.Input;

namespace Takedown.ServiceDefaults.Http;

/// <summary>Turns the exceptions callers can cause into RFC 7807 answers instead of a bare 500.</summary>
public sealed class ProblemDetailsExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        ProblemDetails? problem = exception switch
        {
            // Marten's: FetchForWriting at a stale expected version, or a writer that raced this one to the same version.
            JasperFx.ConcurrencyException conflict => new ProblemDetails
            {
                Status = StatusCodes.Status409Conflict,
                Title = "The resource was changed by someone else.",
                Detail = $"{conflict.Message} Read it again and retry.",
            },
            // A body that is not JSON, or JSON with a value of the wrong type or text that is not text (InputText): the field by its path.
            BadHttpRequestException { InnerException: JsonException json } bad => new HttpValidationProblemDetails(
                new Dictionary<string, string[]> { [InputText.FieldOf(json.Path)] = [json.Message] })
            {
                Status = bad.StatusCode,
                Title = "The request could not be read.",
                Detail = $"Invalid JSON at {json.Path ?? "$"}: {json.Message}",
            },
            BadHttpRequestException bad => new ProblemDetails
            {
                Status = bad.StatusCode,
                Title = bad.StatusCode == StatusCodes.Status413PayloadTooLarge ? "The request body is too large." : "The request could not be read.",
                Detail = bad.Message,
            },
            // A JSON body in a charset .NET does not know ("application/json; charset=bogus"): thrown by the body reader.
            InvalidOperationException { InnerException: ArgumentException } unreadable when unreadable.TargetSite?.DeclaringType == typeof(HttpRequestJsonExtensions) => new ProblemDetails
            {
                Status = StatusCodes.Status415UnsupportedMediaType,
                Title = "The request body's content type is not supported.",
                Detail = unreadable.Message,
            },
            _ => null,
        };
        if (problem is null)
            return false;

        httpContext.Response.StatusCode = problem.Status!.Value;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = problem, Exception = exception });
    }
}
