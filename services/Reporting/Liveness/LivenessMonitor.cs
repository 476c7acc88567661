using Takedown.Reporting.Cases;
using Takedown.ServiceDefaults.Telemetry;

namespace Takedown.Reporting.Liveness;

/// <summary>A case's URL and what its status makes worth noticing.</summary>
public sealed record LivenessTarget(Guid ContentId, Uri Url, LivenessWatch Watch);

/// <summary>
/// Checks the URLs of open, rejected and removed cases on a schedule: the probe answers, the tracker decides when
/// verdicts have agreed long enough, the actions change the case. One request at a time per host, at least
/// PerHostInterval apart; several hosts in parallel.
/// </summary>
public sealed class LivenessMonitor(
    CaseSummaries summaries, LivenessProbe probe, ILivenessActions actions, LivenessOptions options, TimeProvider time,
    ILogger<LivenessMonitor> log) : BackgroundService
{
    private readonly LivenessTracker _tracker = new(options);
    private readonly Dictionary<string, DateTimeOffset> _lastRequestAt = new(StringComparer.OrdinalIgnoreCase);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Enabled)
            return;
        log.LogInformation("Liveness monitor started: each URL every {Interval}, {ConfirmAfter} agreeing checks before acting", options.Interval, options.ConfirmAfter);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await SweepAsync(stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                log.LogError(e, "Liveness sweep failed; the next starts in {PollInterval}", options.PollInterval);
            }
            await Task.Delay(options.PollInterval, time, stoppingToken);
        }
    }

    /// <summary>Checks every watched URL that is due; returns how many were checked.</summary>
    public async Task<int> SweepAsync(CancellationToken ct)
    {
        var targets = await WatchedAsync(ct);
        _tracker.Retain(targets.Select(t => t.ContentId).ToHashSet());
        var now = time.GetUtcNow();
        lock (_lastRequestAt)
            foreach (var idle in _lastRequestAt.Where(h => h.Value + options.PerHostInterval < now).Select(h => h.Key).ToList())
                _lastRequestAt.Remove(idle);
        var due = targets.Where(t => _tracker.IsDue(t.ContentId, t.Watch, now)).GroupBy(t => t.Url.IdnHost).ToList();
        var checks = 0;
        await Parallel.ForEachAsync(due, new ParallelOptions { MaxDegreeOfParallelism = options.MaxConcurrentHosts, CancellationToken = ct }, async (host, token) =>
        {
            foreach (var target in host)
            {
                await WaitForHostAsync(host.Key, token);
                await CheckAsync(target, token);
                Interlocked.Increment(ref checks);
            }
        });
        return checks;
    }

    public async Task<IReadOnlyList<LivenessTarget>> WatchedAsync(CancellationToken ct) =>
    [
        .. (await summaries.LivenessCandidatesAsync(ct))
            .Select(c => Uri.TryCreate(c.CanonicalUrl, UriKind.Absolute, out var url)
                ? new LivenessTarget(c.ContentId, url, c.Removed ? LivenessWatch.ForReinstatement : LivenessWatch.ForRemoval)
                : null)
            .OfType<LivenessTarget>(),
    ];

    private async Task CheckAsync(LivenessTarget target, CancellationToken ct)
    {
        LivenessResult result;
        try
        {
            result = await probe.ProbeAsync(target.Url, ct);
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            // The probe maps what it expects to Unknown; anything else must not end the sweep for the other URLs.
            log.LogWarning(e, "Liveness probe of {Url} failed unexpectedly", target.Url);
            result = new LivenessResult(LivenessVerdict.Unknown, "probe-failed");
        }
        var now = time.GetUtcNow();
        TakedownTelemetry.LivenessChecks.Add(1,
            new KeyValuePair<string, object?>("verdict", result.Verdict.ToString().ToLowerInvariant()),
            new KeyValuePair<string, object?>("reason", result.Reason));
        log.LogDebug("Liveness of {ContentId} ({Url}): {Verdict} ({Reason})", target.ContentId, target.Url, result.Verdict, result.Reason);

        var decision = _tracker.Record(target.ContentId, target.Watch, result.Verdict, now);
        try
        {
            switch (decision.Action)
            {
                case LivenessAction.ConfirmRemoved:
                    await actions.ConfirmRemovedAsync(target.ContentId, decision.ObservedAt!.Value, ct);
                    break;
                case LivenessAction.ReportReinstated:
                    await actions.ReportReinstatedAsync(target.ContentId, decision.ObservedAt!.Value, ct);
                    break;
                default:
                    return;
            }
            _tracker.Acted(target.ContentId, now);
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            // A concurrent write to the case (a platform response just recorded) lands here; the next check retries.
            log.LogWarning(e, "Liveness action {Action} on {ContentId} failed; retried at the next check", decision.Action, target.ContentId);
        }
    }

    private async Task WaitForHostAsync(string host, CancellationToken ct)
    {
        TimeSpan wait;
        lock (_lastRequestAt)
        {
            var now = time.GetUtcNow();
            var next = _lastRequestAt.TryGetValue(host, out var last) ? last + options.PerHostInterval : now;
            wait = next > now ? next - now : TimeSpan.Zero;
            _lastRequestAt[host] = now + wait;
        }
        if (wait > TimeSpan.Zero)
            await Task.Delay(wait, time, ct);
    }
}
