using System.Text;

namespace Takedown.Fingerprints.Urls;

/// <summary>
/// One URL form per piece of content, so that the same post reported under two of its URLs is one content item
/// (an exact signal: equal canonical URLs are the same content).
/// </summary>
/// <remarks>
/// Every URL: https scheme, lower-case host without a trailing dot, no default port, no fragment, no tracking
/// parameters (<c>utm_*</c>, <c>fbclid</c>, …), remaining query parameters sorted, no trailing slash, percent-encoding
/// in upper case with unreserved characters decoded (RFC 3986 §6.2.2). On the platforms in <see cref="Platforms"/>
/// the URL is rebuilt from the id that identifies the post, so that the share, mobile, embed and short forms meet;
/// see docs/fingerprints.md, "Canonical URLs", for each platform's rules.
/// </remarks>
public static class CanonicalUrl
{
    private const int MaxLength = 4096;

    /// <summary>Canonicalises <paramref name="raw"/>, or says why it is not a URL a report can name.</summary>
    public static bool TryCreate(string? raw, out string canonical, out string? error)
    {
        canonical = "";
        if (string.IsNullOrWhiteSpace(raw))
        {
            error = "A URL is required.";
            return false;
        }
        if (raw.Length > MaxLength || !Uri.TryCreate(raw.Trim(), UriKind.Absolute, out var uri)
            || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps) || string.IsNullOrEmpty(uri.Host))
        {
            error = "Must be an absolute http or https URL.";
            return false;
        }

        canonical = Canonicalise(ParsedUrl.From(uri)).ToString();
        error = null;
        return true;
    }

    /// <summary>The canonical form of a URL known to be valid; throws <see cref="FormatException"/> otherwise.</summary>
    public static string Create(string raw) =>
        TryCreate(raw, out var canonical, out var error) ? canonical : throw new FormatException($"{error} Got \"{raw}\".");

    private static ParsedUrl Canonicalise(ParsedUrl url) => Platforms.FromHost(url.Host) switch
    {
        Platforms.YouTube => PlatformUrls.YouTube(url),
        Platforms.X => PlatformUrls.X(url),
        Platforms.Telegram => PlatformUrls.Telegram(url),
        Platforms.Facebook => PlatformUrls.Facebook(url),
        Platforms.Instagram => PlatformUrls.Instagram(url),
        Platforms.TikTok => PlatformUrls.TikTok(url),
        _ => url.WithoutTracking(),
    };
}

/// <summary>A URL taken apart into the pieces canonicalisation works on; <see cref="ToString"/> puts it back.</summary>
internal sealed record ParsedUrl(string Host, int Port, string Path, IReadOnlyList<QueryParameter> Query)
{
    public static ParsedUrl From(Uri uri)
    {
        var host = uri.IdnHost.ToLowerInvariant().TrimEnd('.');
        // http and https on their own default ports are the same page; any other port is kept as it is.
        var port = uri.IsDefaultPort || uri.Port == 443 ? -1 : uri.Port;
        var path = NormaliseEscapes(uri.AbsolutePath);
        var query = uri.Query.TrimStart('?')
            .Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(pair => QueryParameter.Parse(NormaliseEscapes(pair)))
            .ToArray();
        return new ParsedUrl(host, port, path, query);
    }

    public string? this[string name] => Query.FirstOrDefault(p => p.Name == name)?.Value;

    public string[] Segments => Path.Split('/', StringSplitOptions.RemoveEmptyEntries);

    public ParsedUrl WithoutTracking(Func<string, bool>? alsoTracking = null) => this with
    {
        Query = [.. Query.Where(p => !TrackingParameters.IsTracking(p.Name) && alsoTracking?.Invoke(p.Name) != true)],
    };

    public ParsedUrl Keeping(params string[] names) => this with
    {
        Query = [.. Query.Where(p => names.Contains(p.Name))],
    };

    /// <summary>This URL with <paramref name="other"/>'s query parameters added.</summary>
    public ParsedUrl With(ParsedUrl other) => this with { Query = [.. Query, .. other.Query] };

    public static ParsedUrl Of(string host, string path, params (string Name, string Value)[] query) =>
        new(host, -1, path, [.. query.Select(q => new QueryParameter(q.Name, q.Name + "=" + q.Value))]);

    public override string ToString()
    {
        var builder = new StringBuilder("https://").Append(Host);
        if (Port > 0)
            builder.Append(':').Append(Port);
        // A trailing slash names the same resource on every platform we see; the root keeps its one slash.
        var path = Path.Length > 1 ? Path.TrimEnd('/') : Path;
        builder.Append(path.Length == 0 ? "/" : path);
        if (Query.Count > 0)
        {
            // Parameter order carries no meaning for the sites reported here; a stable order makes one form.
            builder.Append('?').AppendJoin('&', Query.OrderBy(p => p.Name, StringComparer.Ordinal).ThenBy(p => p.Pair, StringComparer.Ordinal).Select(p => p.Pair));
        }
        return builder.ToString();
    }

    /// <summary>Upper-case hex in every %XX (RFC 3986 §6.2.2.1); unreserved characters are already decoded by <see cref="Uri"/>.</summary>
    private static string NormaliseEscapes(string escaped)
    {
        if (!escaped.Contains('%'))
            return escaped;
        var chars = escaped.ToCharArray();
        for (var i = 0; i + 2 < chars.Length; i++)
        {
            if (chars[i] == '%' && char.IsAsciiHexDigit(chars[i + 1]) && char.IsAsciiHexDigit(chars[i + 2]))
            {
                chars[i + 1] = char.ToUpperInvariant(chars[i + 1]);
                chars[i + 2] = char.ToUpperInvariant(chars[i + 2]);
                i += 2;
            }
        }
        return new string(chars);
    }
}

/// <summary>One <c>name=value</c> pair: <see cref="Pair"/> as written (escaped), name and value decoded for matching.</summary>
internal sealed record QueryParameter(string Name, string Pair)
{
    public string Value => Pair.Split('=', 2) is [_, var value] ? Uri.UnescapeDataString(value.Replace('+', ' ')) : "";

    public static QueryParameter Parse(string pair) => new(Uri.UnescapeDataString(pair.Split('=', 2)[0]), pair);
}

internal static class TrackingParameters
{
    // Parameters that identify the click, the share or the sharer, never the content.
    private static readonly HashSet<string> Names = new(StringComparer.OrdinalIgnoreCase)
    {
        "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid", "ttclid", "igshid", "igsh",
        "mc_cid", "mc_eid", "ref_src", "ref_url", "si", "_rdr", "__tn__", "mibextid", "rdid", "share_url",
    };

    public static bool IsTracking(string name) =>
        name.StartsWith("utm_", StringComparison.OrdinalIgnoreCase)
        || name.StartsWith("__cft__", StringComparison.OrdinalIgnoreCase)   // Facebook's click context, __cft__[0]=…
        || name.StartsWith("__xts__", StringComparison.OrdinalIgnoreCase)
        || Names.Contains(name);
}
