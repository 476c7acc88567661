using Microsoft.AspNetCore.Builder;
using Takedown.Contracts;
using Takedown.EventStore;

namespace Takedown.ServiceDefaults;

public static class EventStoreRegistration
{
    /// <summary>
    /// This service's event store in its own schema, named after the service, with every integration message's
    /// stable outbox name mapped.
    /// </summary>
    public static WebApplicationBuilder AddTakedownEventStore(this WebApplicationBuilder builder, string schema, Action<EventStoreOptions> configure)
    {
        builder.Services.AddEventStore(schema, options =>
        {
            foreach (var (type, name) in MessageNames.All)
                options.Messages.Map(type, name);
            configure(options);
        });
        return builder;
    }
}
