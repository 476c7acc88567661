using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Takedown.Contracts;
using Takedown.EventStore;
using Takedown.ServiceDefaults;

namespace Takedown.Tests.Contracts;

/// <summary>Every integration message a service can stage has a stable outbox name, and every service maps them all.</summary>
public sealed class MessageNamesTests
{
    // As in AsyncApiContractTests: messages are the contract types with a content id; the others are parts of them.
    private static readonly Type[] Messages =
        [.. typeof(ContentSubmitted).Assembly.GetExportedTypes().Where(t => t is { IsClass: true, IsAbstract: false } && t.Namespace == "Takedown.Contracts" && t.GetProperty("ContentId") is not null)];

    [Fact]
    public void Every_integration_message_has_one_name_of_its_own()
    {
        Assert.Equal(Messages.Select(t => t.Name).Order(), MessageNames.All.Keys.Select(t => t.Name).Order());
        Assert.Equal(MessageNames.All.Count, MessageNames.All.Values.Distinct().Count());
        Assert.All(MessageNames.All.Values, name => Assert.Matches("^[a-z]+(-[a-z]+)*$", name));
    }

    [Fact]
    public void A_service_event_store_maps_every_integration_message_to_its_name()
    {
        var builder = WebApplication.CreateBuilder();
        builder.AddTakedownEventStore("names_test", _ => { });
        using var services = builder.Services.BuildServiceProvider();
        var options = services.GetRequiredService<EventStoreOptions>();

        Assert.All(MessageNames.All, pair =>
        {
            Assert.Equal(pair.Value, options.Messages.NameOf(pair.Key));
            Assert.True(options.Messages.TryGetType(pair.Value, out var type));
            Assert.Equal(pair.Key, type);
        });
    }
}
