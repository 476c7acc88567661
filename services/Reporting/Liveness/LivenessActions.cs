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

    /// <summary>RemovalConfirmed (source liveness-check); CaseCommands stages TakedownConfirmed in the same transaction.</summary>
    public Task ConfirmRemovedAsync(Guid contentId, DateTimeOffset observedAt, CancellationToken ct) =>
        ApplyAsync(new ConfirmRemoval(contentId, Source, observedAt, time.GetUtcNow()), "removal-confirmed", ct);

    /// <summary>ContentReinstated (source liveness-check): removed content is up again; CaseCommands stages the message.</summary>
    public Task ReportReinstatedAsync(Guid contentId, DateTimeOffset observedAt, CancellationToken ct) =>
        ApplyAsync(new ReinstateContent(contentId, Source, observedAt, time.GetUtcNow()), "content-reinstated", ct);

    private async Task ApplyAsync(CaseCommand command, string action, CancellationToken ct)
    {
        await using var session = store.Begin(EventContext.ForSystem(Actor));
        var decided = await CaseCommands.HandleAsync(session, command, expectedVersion: null, ct);
        await session.CommitAsync(ct);
        if (decided.NewEvents.Count > 0)
        {
            TakedownTelemetry.LivenessActions.Add(1, new KeyValuePair<string, object?>("action", action));
            log.LogInformation("Liveness check: {Action} for content {ContentId}", action, command.ContentId);
        }
    }
}
