namespace Takedown.Contracts;

/// <summary>
/// The stable name of each integration message, stored with it in the publishing service's outbox. A pending outbox
/// row finds its type by this name, so the name must never change or be reused, even if the type is renamed or moved.
/// </summary>
public static class MessageNames
{
    public static readonly IReadOnlyDictionary<Type, string> All = new Dictionary<Type, string>
    {
        [typeof(ContentSubmitted)] = "content-submitted",
        [typeof(ContentClassified)] = "content-classified",
        [typeof(ClassificationOverridden)] = "classification-overridden",
        [typeof(ContentFingerprinted)] = "content-fingerprinted",
        [typeof(ReuploadDetected)] = "reupload-detected",
        [typeof(KnownHashMatched)] = "known-hash-matched",
        [typeof(TakedownConfirmed)] = "takedown-confirmed",
        [typeof(TakedownRejected)] = "takedown-rejected",
        [typeof(SlaBreached)] = "sla-breached",
        [typeof(ContentReinstated)] = "content-reinstated",
        [typeof(CaseEscalated)] = "case-escalated",
    };
}
