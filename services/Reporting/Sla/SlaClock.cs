using JasperFx;
using Microsoft.Extensions.Options;
using Takedown.EventStore;
using Takedown.Reporting.Cases;

namespace Takedown.Reporting.Sla;

public sealed class SlaClockOptions
{
    /// <summary>The longest the clock sleeps; it wakes earlier for the next deadline it knows of.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Overdue cases handled per pass.</summary>
    public int BatchSize { get; set; } = 100;
}

/// <summary>
/// Records <see cref="SlaBreached"/> for every case whose deadline passed with the content up. It asks at start-up
/// (so deadlines that passed while the service was down are caught), then when the next known deadline falls, and at
/// least every <see cref="SlaClockOptions.PollInterval"/>. The decider answers [] for a deadline already breached and
/// the write path checks the case's version at commit, so replicas running side by side record each breach once.
/// </summary>
public sealed partial class SlaClock(EventStore.EventStore store, CaseSummaries summaries, TimeProvider time, IOptions<SlaClockOptions> options, ILogger<SlaClock> logger)
    : BackgroundService
{
    public const string Actor = "reporting-sla-clock";

    protected override async Task ExecuteAsync(CancellationToken stop)
    {
        var interval = options.Value.PollInterval;
        while (!stop.IsCancellationRequested)
        {
            var wait = interval;
            try
            {
                var now = time.GetUtcNow();
                var (seen, recorded) = await RecordOverdueAsync(now, stop);
                if (seen == options.Value.BatchSize && recorded > 0)
                    wait = TimeSpan.Zero;   // a full batch that made progress: more may be waiting
                else if (await summaries.NextDeadlineAsync(now, stop) is { } next && next - now < wait)
                    wait = next - now;
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogPassFailed(ex);
            }
            try
            {
                await Task.Delay(wait < TimeSpan.Zero ? TimeSpan.Zero : wait, time, stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>One pass: every overdue case the list knows of goes through the decider. Returns how many it saw and recorded.</summary>
    public async Task<(int Seen, int Recorded)> RecordOverdueAsync(DateTimeOffset now, CancellationToken ct)
    {
        var recorded = 0;
        var overdue = await summaries.OverdueUnbreachedAsync(now, options.Value.BatchSize, ct);
        foreach (var contentId in overdue)
        {
            try
            {
                await using var session = store.Begin(EventContext.ForSystem(Actor));
                var decided = await CaseCommands.HandleAsync(session, new RecordSlaBreach(contentId, now), expectedVersion: null, ct);
                if (decided.NewEvents.Count == 0)
                    continue;   // already on record; the list has not caught up yet
                await session.CommitAsync(ct);
                recorded++;
                var breach = (SlaBreached)decided.NewEvents[0];
                LogBreached(contentId, breach.Regime, breach.DueAt);
            }
            catch (ConcurrencyException)
            {
                // Another replica (or a request) wrote first; the next pass decides again on what it wrote.
            }
        }
        return (overdue.Count, recorded);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "SLA breached: case {ContentId}, {Regime} deadline {DueAt:o} passed with the content up.")]
    private partial void LogBreached(Guid contentId, string regime, DateTimeOffset dueAt);

    [LoggerMessage(Level = LogLevel.Error, Message = "An SLA clock pass failed; retrying after the poll interval.")]
    private partial void LogPassFailed(Exception ex);
}
