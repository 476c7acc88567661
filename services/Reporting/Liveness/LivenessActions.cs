using Takedown.EventStore;
using Takedown.Reporting.Cases;
using Takedown.ServiceDefaults.Telemetry;

namespace Takedown.Reporting.Liveness;

/// <summary>What the monitor does to a case once its verdicts agree; the seam between probing and the case decider.</summary>
public interface ILivenessActions
{
    Task ConfirmRemovedAsync(Guid contentId, DateTimeOffset observedAt, CancellationToken ct);

    Task ReportReinstatedAsync(Guid contentId, DateTimeOffset observedAt, CancellationToken ct);
}

public sealed class CaseLivenessActions(EventStore.EventStore store, TimeProvider time, ILogger<CaseLivenessActions> log) : ILivenessActions
{
    public const string Source = "liveness-check";
    private const string Actor = "liveness-monitor";

    /// <summary>RemovalConfirmed (source liveness-check) and, in the same transaction, TakedownConfirmed for downstream services.</summary>
    public async Task ConfirmRemovedAsync(Guid contentId, DateTimeOffset observedAt, CancellationToken ct)
    {
        await using var session = await store.BeginAsync(EventContext.ForSystem(Actor), ct);
        var decision = await CaseCommands.HandleAsync(session, new ConfirmRemoval(contentId, Source, observedAt, time.GetUtcNow()), null, ct);
        await CaseEndpoints.PublishOutcomesAsync(session, decision, ct);
        await session.CommitAsync(ct);
        if (decision.NewEvents.Count > 0)
        {
            TakedownTelemetry.LivenessActions.Add(1, new KeyValuePair<string, object?>("action", "removal-confirmed"));
            log.LogInformation("Content {ContentId} is gone (liveness check at {ObservedAt}); removal confirmed", contentId, observedAt);
        }
    }

    // Wired by the lead after the lifecycle branch merges: that branch adds the ReinstateContent command and the
    // ContentReinstated event, and this becomes
    //   CaseCommands.HandleAsync(session, new ReinstateContent(contentId, Source, observedAt, time.GetUtcNow()), null, ct)
    // in a session like ConfirmRemovedAsync's. Until then nothing is appended; the log and the metric show it happened.
    public Task ReportReinstatedAsync(Guid contentId, DateTimeOffset observedAt, CancellationToken ct)
    {
        TakedownTelemetry.LivenessActions.Add(1, new KeyValuePair<string, object?>("action", "reinstatement-reported"));
        log.LogWarning("Removed content {ContentId} is up again (liveness check at {ObservedAt}); not yet recorded on the case", contentId, observedAt);
        return Task.CompletedTask;
    }
}
