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

    /// <summary>Parses an If-Match header carrying a stream version ("3" or "\"3\""); null when absent.</summary>
    public static long? IfMatchVersion(this HttpRequest request)
    {
        var value = request.Headers.IfMatch.ToString().Trim().Trim('"');
        return long.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var version) ? version : null;
    }
}
