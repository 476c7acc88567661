namespace Takedown.Ingest.Reports;

/// <summary>
/// One URL form per piece of content, so that the same post reported twice is one content item.
/// Lower-cases scheme and host, drops the default port, the fragment and tracking parameters.
/// </summary>
public static class CanonicalUrl
{
    // Parameters that identify the click, not the content (campaign tags, click ids, share ids).
    private static readonly HashSet<string> TrackingParameters = new(StringComparer.OrdinalIgnoreCase)
    {
        "fbclid", "gclid", "dclid", "msclkid", "igshid", "igsh", "mc_cid", "mc_eid", "ref_src", "ref_url", "si", "_rdr", "__tn__", "__cft__[0]",
    };

    public static bool TryCreate(string? raw, out string canonical, out string? error)
    {
        canonical = "";
        if (string.IsNullOrWhiteSpace(raw))
        {
            error = "A URL is required.";
            return false;
        }
        if (raw.Length > 4096 || !Uri.TryCreate(raw.Trim(), UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps) || string.IsNullOrEmpty(uri.Host))
        {
            error = "Must be an absolute http or https URL.";
            return false;
        }

        var query = uri.Query.TrimStart('?')
            .Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Where(pair => !IsTracking(pair.Split('=', 2)[0]));
        var builder = new UriBuilder(uri)
        {
            Scheme = uri.Scheme.ToLowerInvariant(),
            Host = uri.IdnHost.ToLowerInvariant(),
            Port = uri.IsDefaultPort ? -1 : uri.Port,
            Fragment = "",
            Query = string.Join('&', query),
        };
        canonical = builder.Uri.AbsoluteUri;
        error = null;
        return true;
    }

    private static bool IsTracking(string name)
    {
        var decoded = Uri.UnescapeDataString(name);
        return decoded.StartsWith("utm_", StringComparison.OrdinalIgnoreCase) || TrackingParameters.Contains(decoded);
    }
}
