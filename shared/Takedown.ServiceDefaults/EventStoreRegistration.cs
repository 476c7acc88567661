using Marten;
using Microsoft.Extensions.Configuration;
using Microsoft.AspNetCore.Builder;
using Takedown.Contracts;
using Takedown.EventStore;

namespace Takedown.ServiceDefaults;

public static class EventStoreRegistration
{
    /// <summary>
    /// This service's Marten store in its own schema, named after the service, with every integration message's stable
    /// outbox name mapped. <paramref name="configure"/> maps the service's event names and adds its projections.
    /// </summary>
    public static WebApplicationBuilder AddTakedownEventStore(
        this WebApplicationBuilder builder, string schema, Action<StoreOptions> configure, Action<EventStoreOptions>? outbox = null)
    {
        builder.Services.AddEventStore(schema, configure, options =>
        {
            foreach (var (type, name) in MessageNames.All)
                options.Messages.Map(type, name);
            // Takedown:Messages:OutboxRetention, InboxRetention, PruneInterval (TimeSpan, e.g. 7.00:00:00).
            var messages = builder.Configuration.GetSection("Takedown:Messages");
            options.OutboxRetention = messages.GetValue("OutboxRetention", options.OutboxRetention);
            options.InboxRetention = messages.GetValue("InboxRetention", options.InboxRetention);
            options.PruneInterval = messages.GetValue("PruneInterval", options.PruneInterval);
            outbox?.Invoke(options);
        });
        return builder;
    }
}
