namespace Takedown.Fingerprints.Urls;

/// <summary>The platforms whose URLs Takedown knows, by the names reports, cases and statistics use.</summary>
public static class Platforms
{
    public const string YouTube = "youtube";
    public const string X = "x";
    public const string Telegram = "telegram";
    public const string Facebook = "facebook";
    public const string Instagram = "instagram";
    public const string TikTok = "tiktok";

    // Registrable domains, with every subdomain (www., m., mobile., vm., …) belonging to the same platform.
    private static readonly (string Domain, string Platform)[] Domains =
    [
        ("youtube.com", YouTube), ("youtu.be", YouTube), ("youtube-nocookie.com", YouTube),
        ("x.com", X), ("twitter.com", X), ("t.co", X),
        ("t.me", Telegram), ("telegram.me", Telegram), ("telegram.dog", Telegram),
        ("facebook.com", Facebook), ("fb.com", Facebook), ("fb.watch", Facebook), ("fb.me", Facebook),
        ("instagram.com", Instagram), ("instagr.am", Instagram),
        ("tiktok.com", TikTok),
    ];

    /// <summary>The platform a host belongs to (<c>m.youtube.com</c> → <c>youtube</c>), or null for any other site.</summary>
    public static string? FromHost(string host)
    {
        ArgumentNullException.ThrowIfNull(host);
        host = host.ToLowerInvariant().TrimEnd('.');
        foreach (var (domain, platform) in Domains)
        {
            if (host == domain || host.EndsWith("." + domain, StringComparison.Ordinal))
                return platform;
        }
        return null;
    }

    /// <summary>The platform of an absolute URL's host, or null when the URL is invalid or the site is not a known platform.</summary>
    public static string? FromUrl(string? url) =>
        Uri.TryCreate(url?.Trim(), UriKind.Absolute, out var uri) && uri.Host.Length > 0 ? FromHost(uri.IdnHost) : null;
}
