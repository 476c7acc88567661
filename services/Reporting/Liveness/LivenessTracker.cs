namespace Takedown.Reporting.Liveness;

/// <summary>What a case's status makes worth noticing: removal of content that is up, or the return of removed content.</summary>
public enum LivenessWatch
{
    ForRemoval,
    ForReinstatement,
}

public enum LivenessAction
{
    None,
    ConfirmRemoved,
    ReportReinstated,
}

/// <param name="ObservedAt">The first check of the agreeing run: the earliest the change was seen.</param>
public sealed record LivenessDecision(LivenessAction Action, DateTimeOffset? ObservedAt = null)
{
    public static readonly LivenessDecision None = new(LivenessAction.None);
}

/// <summary>
/// When each URL is next due, and whether its verdicts have agreed long enough to act. A change is acted on after
/// ConfirmAfter consistent verdicts in a row, checked RecheckInterval apart; a verdict the other way starts the count
/// again (flapping protection). Unknown neither counts nor breaks a run: a timeout says nothing about the content.
/// It backs the URL off exponentially instead. State is in memory: a restart only restarts the counts.
/// </summary>
public sealed class LivenessTracker(LivenessOptions options, Random? random = null)
{
    private readonly Random _random = random ?? Random.Shared;
    private readonly Dictionary<Guid, Entry> _entries = [];
    private readonly Lock _lock = new();   // hosts are checked in parallel

    private sealed record Entry(LivenessWatch Watch, int Agreeing, int Failures, DateTimeOffset DueAt, DateTimeOffset? RunStartedAt = null);

    public bool IsDue(Guid contentId, LivenessWatch watch, DateTimeOffset now)
    {
        lock (_lock)
            return !_entries.TryGetValue(contentId, out var entry) || entry.Watch != watch || entry.DueAt <= now;
    }

    /// <summary>Records a verdict; an action when this one completes a run of ConfirmAfter.</summary>
    public LivenessDecision Record(Guid contentId, LivenessWatch watch, LivenessVerdict verdict, DateTimeOffset now)
    {
        lock (_lock)
            return RecordLocked(contentId, watch, verdict, now);
    }

    private LivenessDecision RecordLocked(Guid contentId, LivenessWatch watch, LivenessVerdict verdict, DateTimeOffset now)
    {
        var entry = _entries.TryGetValue(contentId, out var known) && known.Watch == watch
            ? known
            : new Entry(watch, 0, 0, now);
        var awaited = watch == LivenessWatch.ForRemoval ? LivenessVerdict.Gone : LivenessVerdict.Up;

        if (verdict == LivenessVerdict.Unknown)
        {
            var failures = entry.Failures + 1;
            var backoff = TimeSpan.FromTicks((long)Math.Min(options.MaxBackoff.Ticks, options.RecheckInterval.Ticks * Math.Pow(2, failures - 1)));
            _entries[contentId] = entry with { Failures = failures, DueAt = now + Jittered(backoff) };
            return LivenessDecision.None;
        }
        if (verdict != awaited)
        {
            _entries[contentId] = entry with { Agreeing = 0, Failures = 0, DueAt = now + Jittered(options.Interval), RunStartedAt = null };
            return LivenessDecision.None;
        }

        var agreeing = entry.Agreeing + 1;
        var runStartedAt = entry.RunStartedAt ?? now;
        // The run is kept until Acted: an action that fails is retried at the next check.
        _entries[contentId] = entry with { Agreeing = agreeing, Failures = 0, DueAt = now + Jittered(options.RecheckInterval), RunStartedAt = runStartedAt };
        if (agreeing < options.ConfirmAfter)
            return LivenessDecision.None;
        return new LivenessDecision(watch == LivenessWatch.ForRemoval ? LivenessAction.ConfirmRemoved : LivenessAction.ReportReinstated, runStartedAt);
    }

    /// <summary>The action was taken: the case's status will change, and with it what is watched for.</summary>
    public void Acted(Guid contentId, DateTimeOffset now)
    {
        lock (_lock)
            if (_entries.TryGetValue(contentId, out var entry))
                _entries[contentId] = entry with { Agreeing = 0, DueAt = now + Jittered(options.Interval), RunStartedAt = null };
    }

    /// <summary>Forgets URLs no longer watched (the case left the read model's watched statuses).</summary>
    public void Retain(IReadOnlySet<Guid> watched)
    {
        lock (_lock)
            foreach (var id in _entries.Keys.Where(id => !watched.Contains(id)).ToList())
                _entries.Remove(id);
    }

    private TimeSpan Jittered(TimeSpan wait) =>
        options.Jitter == 0 ? wait : wait * (1 + options.Jitter * (2 * _random.NextDouble() - 1));
}
