using Takedown.Fingerprints.Urls;
namespace Takedown.Reporting.Liveness;

/// <summary>The "Liveness" configuration section; docs/liveness.md explains each setting.</summary>
public sealed class LivenessOptions
{
    public const string Section = "Liveness";

    public bool Enabled { get; set; }

    /// <summary>Time between two checks of one URL while nothing changes.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(6);

    /// <summary>Time before the next check when a verdict asks for confirmation, and the first backoff after an inconclusive one.</summary>
    public TimeSpan RecheckInterval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Longest wait between checks of a URL that keeps answering inconclusively.</summary>
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How often the monitor looks for URLs whose check is due.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Each wait is stretched or shortened by up to this fraction, so checks of many URLs do not fall in step.</summary>
    public double Jitter { get; set; } = 0.1;

    /// <summary>Consistent verdicts in a row before the case is changed (flapping protection).</summary>
    public int ConfirmAfter { get; set; } = 3;

    /// <summary>Least time between two requests to the same host.</summary>
    public TimeSpan PerHostInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Hosts checked at the same time (each still one request at a time).</summary>
    public int MaxConcurrentHosts { get; set; } = 4;

    /// <summary>The whole probe of one URL (HEAD, GET and redirects) must finish within this.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Most bytes of a response body read (for the "content unavailable" markers).</summary>
    public int MaxBodyBytes { get; set; } = 1024 * 1024;

    public int MaxRedirects { get; set; } = 5;

    public string UserAgent { get; set; } = "Takedown-LivenessCheck/1.0 (+https://github.com/takedown/takedown/blob/main/docs/liveness.md)";

    /// <summary>CIDR blocks or host:port entries admitted although they are in a refused range (a local mirror, a test server).</summary>
    public List<string> AllowList { get; set; } = [];

    /// <summary>Platforms added to (or replacing, by name) the built-in "content unavailable" markers.</summary>
    public List<UnavailablePage> UnavailablePages { get; set; } = [];

    public IEnumerable<string> Validate()
    {
        if (Interval <= TimeSpan.Zero) yield return "Liveness:Interval must be positive.";
        if (RecheckInterval <= TimeSpan.Zero) yield return "Liveness:RecheckInterval must be positive.";
        if (MaxBackoff < RecheckInterval) yield return "Liveness:MaxBackoff must be at least RecheckInterval.";
        if (PollInterval <= TimeSpan.Zero) yield return "Liveness:PollInterval must be positive.";
        if (Jitter is < 0 or >= 1) yield return "Liveness:Jitter must be in [0, 1).";
        if (ConfirmAfter < 1) yield return "Liveness:ConfirmAfter must be at least 1.";
        if (PerHostInterval < TimeSpan.Zero) yield return "Liveness:PerHostInterval cannot be negative.";
        if (MaxConcurrentHosts < 1) yield return "Liveness:MaxConcurrentHosts must be at least 1.";
        if (Timeout <= TimeSpan.Zero) yield return "Liveness:Timeout must be positive.";
        if (MaxBodyBytes < 1024) yield return "Liveness:MaxBodyBytes must be at least 1024.";
        if (MaxRedirects < 0) yield return "Liveness:MaxRedirects cannot be negative.";
        if (string.IsNullOrWhiteSpace(UserAgent)) yield return "Liveness:UserAgent is required.";
        foreach (var entry in AllowList)
            if (!AddressPolicy.TryParseAllowEntry(entry.Trim(), out _, out _, out var error))
                yield return error!;
        foreach (var page in UnavailablePages)
            if (string.IsNullOrWhiteSpace(page.Name) || page.Hosts.Count == 0 || page.Markers.Count + page.LiveMarkers.Count == 0)
                yield return $"Liveness:UnavailablePages entry \"{page.Name}\" needs a name, hosts and markers or live markers.";
    }
}
