using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Takedown.EventStore;
using Takedown.ServiceDefaults.Auth;

namespace Takedown.ServiceDefaults.Http;

public static class HttpEventContext
{
    public const string CorrelationHeader = "X-Correlation-Id";

    /// <summary>Metadata for events written by this request: its caller, a correlation id (taken from the caller when given) and its trace.</summary>
    public static EventContext ToEventContext(this HttpContext http)
    {
        var correlation = Guid.TryParse(http.Request.Headers[CorrelationHeader], out var given) ? given : Guid.CreateVersion7();
        return new EventContext(correlation, Guid.CreateVersion7(), http.User.Actor(), Activity.Current?.Id);
    }

    /// <summary>
    /// Reads If-Match the same way on every endpoint that writes a stream: absent or <c>*</c> is no precondition (null);
    /// <c>"3"</c> or <c>3</c> is that stream version. False for anything else (a weak tag, a list, garbage): it can
    /// never match, and the caller answers 412 (<see cref="PreconditionFailed"/>).
    /// </summary>
    public static bool TryReadIfMatch(this HttpRequest request, out long? version)
    {
        version = null;
        var value = request.Headers.IfMatch.ToString().Trim();
        if (value.Length == 0 || value == "*")
            return true;
        if (value.Length > 1 && value[0] == '"' && value[^1] == '"')
            value = value[1..^1];
        if (!long.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var parsed) || parsed < 1)
            return false;
        version = parsed;
        return true;
    }

    /// <summary>The stream version as an ETag: <c>"3"</c>.</summary>
    public static string ETag(long version) => $"\"{version.ToString(System.Globalization.CultureInfo.InvariantCulture)}\"";

    /// <summary>412 for an If-Match that names no version, with the resource's current one.</summary>
    public static IResult PreconditionFailed(this HttpContext http, long currentVersion, IDictionary<string, object?>? extensions = null)
    {
        http.Response.Headers.ETag = ETag(currentVersion);
        var details = new Dictionary<string, object?>(extensions ?? new Dictionary<string, object?>()) { ["currentVersion"] = currentVersion };
        return Results.Problem(
            statusCode: StatusCodes.Status412PreconditionFailed,
            title: "If-Match names no version of this resource.",
            detail: "Send its ETag, e.g. If-Match: \"3\", or * for any version.",
            extensions: details);
    }
}
