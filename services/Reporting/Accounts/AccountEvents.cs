namespace Takedown.Reporting.Accounts;

/// <summary>Everything that happens to one account, channel, page or group, in the stream <see cref="PlatformAccount.StreamId"/>.</summary>
public interface IAccountEvent
{
    /// <summary>The account's id as <c>Takedown.Fingerprints.Urls.Accounts</c> derives it: <c>x:someuser</c>, <c>x:id:783214</c>, <c>facebook:group:name</c>.</summary>
    string AccountId { get; }
}

/// <summary>A report named content this account posted; recorded with the case's own ContentReported, in one unit of work.</summary>
public sealed record AccountContentReported(
    string AccountId, string Platform, Guid ContentId, Guid ReportId, string CanonicalUrl, string ReporterOrganisation, DateTimeOffset ReportedAt) : IAccountEvent;

/// <summary>The legal terms the content's classification (or an analyst's override) gave it; the account runs on its content's strictest.</summary>
public sealed record AccountContentClassified(
    string AccountId, Guid ContentId, string Regime, TimeSpan Allowed, string RemovalOrderRegime, TimeSpan RemovalOrderAllowed, DateTimeOffset ClassifiedAt) : IAccountEvent;

/// <param name="Channel">One of <see cref="Cases.NoticeChannels.All"/>.</param>
/// <param name="OrderIssuedAt">For a removal order: when the authority issued it, which starts its clock; null otherwise.</param>
public sealed record AccountNoticeSent(
    string AccountId, string Channel, string Reference, DateTimeOffset SentAt, DateTimeOffset? OrderIssuedAt = null, string? IssuedBy = null) : IAccountEvent;

/// <param name="Reason">The platform's words, when it gave any.</param>
public sealed record AccountSuspended(string AccountId, string? Reason, DateTimeOffset SuspendedAt) : IAccountEvent;

/// <summary>The platform limited the account (geo-blocked, hidden from search, posting disabled) without suspending it.</summary>
public sealed record AccountRestricted(string AccountId, string? Reason, DateTimeOffset RestrictedAt) : IAccountEvent;

/// <param name="Reason">The platform's answer, verbatim.</param>
public sealed record AccountActionRejected(string AccountId, string Reason, DateTimeOffset RejectedAt) : IAccountEvent;

/// <summary>A suspended or restricted account is back in full.</summary>
public sealed record AccountReinstated(string AccountId, string? Reason, DateTimeOffset ReinstatedAt) : IAccountEvent;

/// <summary>The account's deadline passed with it still up; recorded once per deadline.</summary>
public sealed record AccountSlaBreached(string AccountId, string Regime, DateTimeOffset DueAt, DateTimeOffset BreachedAt) : IAccountEvent;
