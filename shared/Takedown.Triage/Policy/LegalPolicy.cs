using System.Text.Json;

namespace Takedown.Triage;

/// <summary>The regime a case's clock runs under and how long it allows from the clock's start (the notice or order).
/// When it starts, and so when it falls due, is Reporting's to compute.</summary>
public sealed record LegalRegime(string Regime, TimeSpan Allowed);

public static class NoticeTypes
{
    /// <summary>A removal order under Regulation (EU) 2021/784, issued by a competent authority.</summary>
    public const string RemovalOrder = "removal-order";
}

/// <summary>
/// The legal regime for a piece of content and how long it allows, from the table in legal-policy.json: the first rule whose
/// jurisdictions, categories and notice types all match decides; otherwise the platform's default. P0 content gets
/// the shortest clock the policy has, whatever the law allows.
/// </summary>
public sealed class LegalPolicy
{
    public const string ResourceName = "Takedown.Triage.Policy.legal-policy.json";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly Lazy<LegalPolicy> Embedded = new(() =>
    {
        using var stream = typeof(LegalPolicy).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"The resource {ResourceName} is missing from Takedown.Triage.");
        return Read(stream, ResourceName);
    });

    private readonly PolicyFile file;

    private LegalPolicy(PolicyFile file) => this.file = file;

    /// <summary>The policy compiled into this assembly.</summary>
    public static LegalPolicy Default => Embedded.Value;

    public string Version => file.Version;

    /// <summary>Reads a policy file; a missing or malformed file fails here, at start-up, not on the first message.</summary>
    public static LegalPolicy Load(string path)
    {
        using var stream = File.OpenRead(path);
        return Read(stream, path);
    }

    private static LegalPolicy Read(Stream stream, string source)
    {
        var file = JsonSerializer.Deserialize<PolicyFile>(stream, Json)
            ?? throw new InvalidOperationException($"The legal policy {source} is empty.");
        if (file.PlatformDefault is null || file.ImminentThreat is null)
            throw new InvalidOperationException($"The legal policy {source} needs platformDefault and imminentThreat.");
        if (file.Rules is null || file.Rules.Any(r => string.IsNullOrWhiteSpace(r.Regime) || r.Allowed <= TimeSpan.Zero))
            throw new InvalidOperationException($"Every rule in the legal policy {source} needs a regime and a positive allowed time.");
        return new LegalPolicy(file);
    }

    /// <param name="jurisdiction">ISO 3166-1 alpha-2 country or "EU"; null when the reporter gave none.</param>
    /// <param name="noticeType">e.g. <see cref="NoticeTypes.RemovalOrder"/>; null while no notice has been sent.</param>
    public LegalRegime Decide(string? jurisdiction, string? category, string? severity, string? noticeType, string? platform)
    {
        var (regime, allowed) = Statutory(jurisdiction, category, noticeType) ?? PlatformDefault(platform);
        var threat = file.ImminentThreat!;
        if (string.Equals(severity, threat.Severity, StringComparison.OrdinalIgnoreCase) && threat.Allowed < allowed)
            (regime, allowed) = (threat.Regime, threat.Allowed);
        return new LegalRegime(regime, allowed);
    }

    private (string, TimeSpan)? Statutory(string? jurisdiction, string? category, string? noticeType)
    {
        var country = jurisdiction?.Trim().ToUpperInvariant();
        foreach (var rule in file.Rules!)
        {
            if (Covers(rule.Jurisdictions, country) && Lists(rule.Categories, category) && Lists(rule.NoticeTypes, noticeType))
                return (rule.Regime, rule.Allowed);
        }
        return null;
    }

    private (string, TimeSpan) PlatformDefault(string? platform)
    {
        var defaults = file.PlatformDefault!;
        var allowed = platform is not null && defaults.Platforms?.TryGetValue(platform.Trim().ToLowerInvariant(), out var own) == true ? own : defaults.Allowed;
        return (defaults.Regime, allowed);
    }

    // A rule for "EU" covers each member state and "EU" itself; a rule without jurisdictions covers everywhere.
    private bool Covers(IReadOnlyList<string>? jurisdictions, string? country) =>
        jurisdictions is null
        || (country is not null && jurisdictions.Any(j => j.Equals(country, StringComparison.OrdinalIgnoreCase)
            || (file.Regions?.TryGetValue(j, out var members) == true && members!.Contains(country, StringComparer.OrdinalIgnoreCase))));

    private static bool Lists(IReadOnlyList<string>? values, string? value) =>
        values is null || (value is not null && values.Contains(value, StringComparer.OrdinalIgnoreCase));

    private sealed record PolicyFile(
        string Version,
        IReadOnlyDictionary<string, string[]>? Regions,
        IReadOnlyList<Rule>? Rules,
        Fallback? PlatformDefault,
        Threat? ImminentThreat);

    /// <param name="Jurisdictions">Null: any. Names in <c>regions</c> stand for their members.</param>
    /// <param name="Categories">Null: any category.</param>
    /// <param name="NoticeTypes">Null: with or without a notice.</param>
    private sealed record Rule(
        string Regime, string? Why, IReadOnlyList<string>? Jurisdictions, IReadOnlyList<string>? Categories,
        IReadOnlyList<string>? NoticeTypes, TimeSpan Allowed);

    /// <param name="Platforms">Allowed time by lower-case platform name, e.g. a platform's published commitment.</param>
    private sealed record Fallback(string Regime, string? Why, TimeSpan Allowed, IReadOnlyDictionary<string, TimeSpan>? Platforms);

    private sealed record Threat(string Regime, string? Why, string Severity, TimeSpan Allowed);
}
