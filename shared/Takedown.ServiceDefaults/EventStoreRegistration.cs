using Microsoft.AspNetCore.Builder;
using Takedown.EventStore;

namespace Takedown.ServiceDefaults;

public static class EventStoreRegistration
{
    /// <summary>This service's event store in its own schema, named after the service.</summary>
    public static WebApplicationBuilder AddTakedownEventStore(this WebApplicationBuilder builder, string schema, Action<EventStoreOptions> configure)
    {
        builder.Services.AddEventStore(schema, configure);
        return builder;
    }
}
