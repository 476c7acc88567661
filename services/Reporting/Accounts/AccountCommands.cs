using Takedown.EventStore;
using Takedown.Reporting.Cases;

namespace Takedown.Reporting.Accounts;

public static class AccountCommands
{
    /// <summary>
    /// The account's write path: decides on the account at <paramref name="expectedVersion"/> (HTTP If-Match; null for none)
    /// and appends in the caller's unit of work. A stale version or a racing writer throws <see cref="JasperFx.ConcurrencyException"/>.
    /// </summary>
    public static Task<Decided<PlatformAccount, IAccountEvent>> HandleAsync(EventSession session, AccountCommand command, long? expectedVersion, CancellationToken ct) =>
        session.DecideAsync(PlatformAccount.Aggregate, PlatformAccount.StreamId(command.AccountId), expectedVersion, state => PlatformAccount.Decide(command, state), ct);

    /// <summary>
    /// Carries what a case command just decided to the case's account, in the same unit of work: a new report links the
    /// content to the account, and the case's legal terms (from its classification or an override) become the content's
    /// terms on the account. Nothing when the case names no account or decided nothing.
    /// </summary>
    public static async Task LinkAsync(EventSession session, Decided<TakedownCase, ICaseEvent> decided, DateTimeOffset now, CancellationToken ct)
    {
        var state = decided.State;
        if (state.Account is not { } accountId || decided.NewEvents.Count == 0)
            return;
        var commands = new List<AccountCommand>();
        foreach (var reported in decided.NewEvents.OfType<ContentReported>().Where(r => r.Account == accountId))
        {
            commands.Add(new RecordAccountContent(new AccountContentReported(accountId, reported.Platform, reported.ContentId, reported.ReportId,
                reported.CanonicalUrl, reported.ReporterOrganisation, reported.ReportedAt), now));
        }
        if (state.Clock.Terms is { } terms && decided.NewEvents.Any(e => e is ContentReported or ContentClassified or ClassificationOverridden))
        {
            var classifiedAt = decided.NewEvents.Select(e => e switch
            {
                ContentClassified c => c.ClassifiedAt,
                ClassificationOverridden o => o.OverriddenAt,
                _ => (DateTimeOffset?)null,
            }).LastOrDefault(t => t is not null) ?? now;
            commands.Add(new RecordAccountContentTerms(accountId, state.ContentId, terms, classifiedAt, now));
        }
        if (commands.Count > 0)
            await session.DecideAsync(PlatformAccount.Aggregate, PlatformAccount.StreamId(accountId), null, account => DecideAll(commands, account), ct);
    }

    // One fetch per stream in a unit of work: several commands on one account are decided in turn on the evolving state.
    private static IAccountEvent[] DecideAll(IEnumerable<AccountCommand> commands, PlatformAccount state)
    {
        var all = new List<IAccountEvent>();
        foreach (var command in commands)
        {
            var events = PlatformAccount.Decide(command, state);
            state = events.Aggregate(state, PlatformAccount.Evolve);
            all.AddRange(events);
        }
        return [.. all];
    }
}
