using System.Net.Sockets;
using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Npgsql;
using Takedown.ServiceDefaults.Input;

namespace Takedown.ServiceDefaults.Http;

/// <summary>Turns the exceptions callers can cause into RFC 7807 answers instead of a bare 500.</summary>
public sealed class ProblemDetailsExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
{
    /// <summary>A PostgreSQL restart takes a few seconds; RabbitMQ.Client retries its connection every 5 s.</summary>
    public const int RetryAfterSeconds = 5;

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
            _ when Outage(exception) is { } dependency => new ProblemDetails
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = $"{dependency} is unavailable.",
                Detail = $"The request could not be completed; retry after {RetryAfterSeconds} seconds.",
            },
            _ => null,
        };
        if (problem is null)
            return false;

        httpContext.Response.StatusCode = problem.Status!.Value;
        if (problem.Status == StatusCodes.Status503ServiceUnavailable)
            httpContext.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = problem, Exception = exception });
    }

    /// <summary>
    /// The dependency an exception says is away, or null for a defect. Marten and MassTransit wrap the driver's
    /// exceptions, so the whole chain is read.
    /// </summary>
    public static string? Outage(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                // A server shutting down or starting (57P01 admin shutdown, 57P02 crash shutdown, 57P03 cannot connect
                // now), a lost connection (class 08), too many connections (53300).
                case PostgresException pg when pg.SqlState is PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown
                                                  or PostgresErrorCodes.CannotConnectNow or PostgresErrorCodes.TooManyConnections
                                              || pg.SqlState.StartsWith("08", StringComparison.Ordinal):
                    return "The database";
                case PostgresException:
                    return null; // the server answered: a constraint or a query error is a defect, not an outage
                // Connection refused or reset, a read cut short, the pool exhausted (its TimeoutException is transient).
                case NpgsqlException { IsTransient: true }:
                    return "The database";
                case RabbitMQ.Client.Exceptions.BrokerUnreachableException or RabbitMQ.Client.Exceptions.AlreadyClosedException
                    or MassTransit.RabbitMqConnectionException:
                    return "The message broker";
            }
        }
        return null;
    }
}
