using System.Net;
using System.Text.Json;

namespace Takedown.Reporting.Liveness;

/// <summary>
/// How one platform shows content that is gone while answering 200. Heuristics, not contracts: platforms
/// change their pages without notice, so the markers live in a data file (unavailable-pages.json) and in
/// configuration, not in code.
/// </summary>
public sealed class UnavailablePage
{
    public string Name { get; set; } = "";

    /// <summary>Host names; subdomains match too (youtube.com covers www.youtube.com and m.youtube.com).</summary>
    public List<string> Hosts { get; set; } = [];

    /// <summary>Text found only on the page shown instead of removed content.</summary>
    public List<string> Markers { get; set; } = [];

    /// <summary>Text found only on a page that still shows the content; a complete page with none of it is gone.</summary>
    public List<string> LiveMarkers { get; set; } = [];
}

public sealed class UnavailablePages
{
    private const string Resource = "Takedown.Reporting.Liveness.unavailable-pages.json";
    private readonly IReadOnlyList<UnavailablePage> _pages;

    public UnavailablePages(IEnumerable<UnavailablePage> pages) => _pages = [.. pages];

    /// <summary>The built-in platforms, with configured ones added or replacing a built-in one of the same name.</summary>
    public static UnavailablePages BuiltInWith(IEnumerable<UnavailablePage> configured)
    {
        var extra = configured.ToList();
        return new UnavailablePages(BuiltIn().Where(b => !extra.Any(c => c.Name.Equals(b.Name, StringComparison.OrdinalIgnoreCase))).Concat(extra));
    }

    public static IReadOnlyList<UnavailablePage> BuiltIn()
    {
        using var stream = typeof(UnavailablePages).Assembly.GetManifestResourceStream(Resource)
            ?? throw new InvalidOperationException($"The embedded resource {Resource} is missing from the build.");
        var file = JsonSerializer.Deserialize<MarkerFile>(stream, new JsonSerializerOptions(JsonSerializerDefaults.Web))
            ?? throw new InvalidOperationException($"{Resource} is empty.");
        return file.Platforms;
    }

    public UnavailablePage? For(string host)
    {
        host = host.TrimEnd('.').ToLowerInvariant();
        return _pages.FirstOrDefault(p => p.Hosts.Any(h =>
            host.Equals(h, StringComparison.OrdinalIgnoreCase) || host.EndsWith("." + h, StringComparison.OrdinalIgnoreCase)));
    }

    /// <summary>The marker found in <paramref name="html"/>, compared after HTML decoding, case-insensitively, with curly apostrophes straightened.</summary>
    public static string? FindMarker(string html, IEnumerable<string> markers)
    {
        var text = Normalise(WebUtility.HtmlDecode(html));
        return markers.FirstOrDefault(m => text.Contains(Normalise(m), StringComparison.OrdinalIgnoreCase));
    }

    private static string Normalise(string text) => text.Replace('\u2019', '\'').Replace('\u2018', '\'');

    private sealed record MarkerFile(List<UnavailablePage> Platforms);
}
