extern alias ingest;

using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Takedown.Testing;

namespace Takedown.Tests.Http;

/// <summary>
/// The real Ingest host on Kestrel with a loopback port, so requests cross a socket and Kestrel's own limits (the
/// request body size) apply, which the in-memory test server does not enforce.
/// </summary>
public sealed class IngestOnKestrel : IAsyncDisposable
{
    public const string AdminKey = "test-bootstrap-admin-key";

    private readonly WebApplicationFactory<ingest::Program> _factory;

    private IngestOnKestrel(WebApplicationFactory<ingest::Program> factory, HttpClient client)
    {
        _factory = factory;
        Client = client;
    }

    public HttpClient Client { get; }

    public IServiceProvider Services => _factory.Services;

    public static IngestOnKestrel Start(string postgres, string virtualHost, Action<IWebHostBuilder>? configure = null)
    {
        var factory = new WebApplicationFactory<ingest::Program>().WithWebHostBuilder(host =>
        {
            host.UseEnvironment("Testing");
            host.UseSetting("ConnectionStrings:Postgres", postgres);
            host.UseSetting("RabbitMq:VirtualHost", virtualHost);
            host.UseSetting("Auth:BootstrapAdminKey", AdminKey);
            host.UseUrls("http://127.0.0.1:0"); // a free port, so hosts can run side by side
            configure?.Invoke(host);
        });
        factory.UseKestrel();
        factory.StartServer();
        var client = factory.CreateClient();
        if (client.BaseAddress is not { Scheme: "http", IsLoopback: true } || client.BaseAddress.Port is 0 or 80 or 5000)
            throw new InvalidOperationException($"Expected a Kestrel loopback address, got {client.BaseAddress}.");
        return new IngestOnKestrel(factory, client);
    }

    /// <summary>Healthy, not only 200: without its broker connection Ingest is ready but Degraded.</summary>
    public Task WaitUntilReadyAsync() => Readiness.WaitUntilHealthyAsync(Client);

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _factory.DisposeAsync();
    }
}
