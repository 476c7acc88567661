namespace Takedown.ServiceDefaults.Auth;

/// <summary>What an API key may do. Every endpoint names the policy it needs.</summary>
public static class Roles
{
    public const string Reporter = "reporter";
    public const string Analyst = "analyst";
    public const string Liaison = "liaison";
    public const string Admin = "admin";
    /// <summary>Another Takedown service calling on its own behalf (ReuploadDetection reading evidence from Ingest).</summary>
    public const string Service = "service";

    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal) { Reporter, Analyst, Liaison, Admin, Service };
}

/// <summary>Authorization policies; admin passes every one of them.</summary>
public static class Policies
{
    /// <summary>Submit reports: trusted flaggers.</summary>
    public const string SubmitReports = "submit-reports";
    /// <summary>Read cases: reporters (their organisation's), analysts and liaisons.</summary>
    public const string ReadCases = "read-cases";
    /// <summary>Record notices and platform responses: liaison officers.</summary>
    public const string RecordPlatformResponses = "record-platform-responses";
    /// <summary>Analyst work: overrides, searches.</summary>
    public const string Analyse = "analyse";
    /// <summary>Keys, rebuilds and other operator actions.</summary>
    public const string Administer = "administer";
    /// <summary>Escalate, reinstate and close cases: analysts and liaison officers.</summary>
    public const string ManageCases = "manage-cases";
    /// <summary>Read reported media (evidence bytes): analysts, and services that fingerprint it.</summary>
    public const string ReadEvidence = "read-evidence";

    internal static readonly IReadOnlyDictionary<string, string[]> RolesByPolicy = new Dictionary<string, string[]>
    {
        [SubmitReports] = [Roles.Reporter, Roles.Admin],
        [ReadCases] = [Roles.Reporter, Roles.Analyst, Roles.Liaison, Roles.Admin],
        [RecordPlatformResponses] = [Roles.Liaison, Roles.Admin],
        [Analyse] = [Roles.Analyst, Roles.Admin],
        [Administer] = [Roles.Admin],
        [ManageCases] = [Roles.Analyst, Roles.Liaison, Roles.Admin],
        [ReadEvidence] = [Roles.Analyst, Roles.Service, Roles.Admin],
    };
}

public static class TakedownClaims
{
    public const string Organisation = "takedown:organisation";
    public const string KeyId = "takedown:key-id";
}
