using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Marten;
using Marten.Subscriptions;

namespace Takedown.ReuploadDetection.Banks;

/// <summary>
/// Keeps the async daemon, and with it the high-water mark every replica's <see cref="BankFeed"/> reads up to, running
/// on one replica. Marten's daemon starts its high-water agent only for an async projection or a subscription, and this
/// service has no async read model; this subscription is that reason. It takes the bank events and does nothing with them.
/// </summary>
public sealed class HighWaterKeeper : SubscriptionBase
{
    public HighWaterKeeper()
    {
        Name = "bank-feed-high-water";
        IncludeType<HashAdded>();
        IncludeType<HashRemoved>();
    }

    public override Task<IChangeListener> ProcessEventsAsync(
        EventRange page, ISubscriptionController controller, IDocumentOperations operations, CancellationToken cancellationToken) =>
        Task.FromResult(NullChangeListener.Instance);
}
