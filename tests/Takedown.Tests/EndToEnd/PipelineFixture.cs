extern alias ingest;
extern alias classification;
extern alias reupload;
extern alias reporting;

using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Takedown.EventStore.Evidence;
using Takedown.Testing;

namespace Takedown.Tests.EndToEnd;

/// <summary>
/// The four real service hosts in this process, on one fresh database and one fresh RabbitMQ virtual host,
/// talking to each other through RabbitMQ, and ReuploadDetection to Ingest over HTTP for evidence (its
/// EvidenceClient is routed to the Ingest test server, with the deployment's service key).
/// </summary>
public class PipelineFixture : IAsyncLifetime
{
    public const string AdminKey = "test-bootstrap-admin-key";
    public const string ServiceKey = "test-service-key";

    /// <summary>Reporting's address as clients see it: Ingest puts it in the Location of an accepted report.</summary>
    public const string ReportingBaseUrl = "http://reporting.test";

    private TestDatabase _db = null!;
    private TestVirtualHost _vhost = null!;
    private readonly List<IDisposable> _factories = [];
    private WebApplicationFactory<ingest::Program> _ingest = null!;
    private WebApplicationFactory<reupload::Program> _reupload = null!;
    private WebApplicationFactory<classification::Program> _classification = null!;
    private WebApplicationFactory<reporting::Program> _reporting = null!;

    /// <summary>The deployment's evidence signing key, as Reporting is configured with it.</summary>
    public EvidenceSigningKey EvidenceKey { get; } = EvidenceSigningKey.Generate();

    public HttpClient Ingest { get; private set; } = null!;
    public HttpClient Classification { get; private set; } = null!;
    public HttpClient Reupload { get; private set; } = null!;
    public HttpClient Reporting { get; private set; } = null!;
    public TestDatabase Database => _db;
    public TestVirtualHost VirtualHost => _vhost;

    /// <summary>
    /// Whether the hosts listen on loopback ports (Kestrel) rather than in memory, for clients in another process
    /// (the real CLI run from a shell); ReuploadDetection then fetches evidence from Ingest over the socket too.
    /// </summary>
    protected virtual bool OnSockets => false;

    public async Task InitializeAsync()
    {
        _db = await TestDatabase.CreateAsync();
        _vhost = await TestVirtualHost.CreateAsync();
        (_ingest, Ingest) = Start<ingest::Program>(host => host.UseSetting("Ingest:CaseBaseUrl", ReportingBaseUrl));
        (_classification, Classification) = Start<classification::Program>();
        (_reupload, Reupload) = Start<reupload::Program>(host =>
        {
            host.UseSetting("Ingest:ApiKey", ServiceKey);
            if (OnSockets)
            {
                host.UseSetting("Ingest:BaseUrl", Ingest.BaseAddress!.AbsoluteUri);
                return;
            }
            host.UseSetting("Ingest:BaseUrl", "http://ingest.test/");
            host.ConfigureTestServices(services => services.AddHttpClient<Takedown.ServiceDefaults.Evidence.EvidenceClient>()
                .ConfigurePrimaryHttpMessageHandler(CreateIngestHandler));
        });
        (_reporting, Reporting) = Start<reporting::Program>(host =>
        {
            // Evidence bundles: signed with the deployment's key, with the reported media fetched from Ingest.
            host.UseSetting("Evidence:SigningKey", EvidenceKey.ExportPrivateKeyPem());
            host.UseSetting("Ingest:ApiKey", ServiceKey);
            if (OnSockets)
            {
                host.UseSetting("Ingest:BaseUrl", Ingest.BaseAddress!.AbsoluteUri);
                return;
            }
            host.UseSetting("Ingest:BaseUrl", "http://ingest.test/");
            host.ConfigureTestServices(services => services.AddHttpClient<Takedown.ServiceDefaults.Evidence.EvidenceClient>()
                .ConfigurePrimaryHttpMessageHandler(CreateIngestHandler));
        });

        // Ready means schema migrated and both servers reachable; consumers are bound once the bus is up.
        foreach (var client in new[] { Ingest, Classification, Reupload, Reporting })
            await Eventually.UntilAsync(async () => (await client.GetAsync("/health/ready")).StatusCode, s => s == System.Net.HttpStatusCode.OK, what: "readiness");
        // Ingest is ready (Degraded) before its broker connection is up; the pipeline needs it.
        await Readiness.WaitUntilHealthyAsync(Ingest);
    }

    /// <summary>Each running host's services, by service name.</summary>
    public IReadOnlyList<(string Service, IServiceProvider Services)> Hosts =>
        [("ingest", _ingest.Services), ("classification", _classification.Services), ("reupload", _reupload.Services), ("reporting", _reporting.Services)];

    /// <summary>ReuploadDetection's services (its EvidenceClient, its matcher).</summary>
    public IServiceProvider ReuploadServices => _reupload.Services;

    /// <summary>Ingest's services (its bus and event store), e.g. to publish a message again as a broker would redeliver it.</summary>
    public IServiceProvider IngestServices => _ingest.Services;

    /// <summary>Reporting's services (its meter factory, its case-status gauge).</summary>
    public IServiceProvider ReportingServices => _reporting.Services;

    /// <summary>A handler that sends requests into the Ingest host, as ReuploadDetection's EvidenceClient does.</summary>
    public HttpMessageHandler CreateIngestHandler() => _ingest.Server.CreateHandler();

    /// <summary>A handler that sends requests into the Reporting host.</summary>
    public HttpMessageHandler CreateReportingHandler() => _reporting.Server.CreateHandler();

    private (WebApplicationFactory<TProgram> Factory, HttpClient Client) Start<TProgram>(Action<IWebHostBuilder>? configure = null) where TProgram : class
    {
        var factory = new WebApplicationFactory<TProgram>().WithWebHostBuilder(host =>
        {
            host.UseEnvironment("Testing");
            host.UseSetting("ConnectionStrings:Postgres", _db.ConnectionString);
            host.UseSetting("RabbitMq:VirtualHost", _vhost.Name);
            host.UseSetting("Auth:BootstrapAdminKey", AdminKey);
            host.UseSetting("Auth:ServiceKey", ServiceKey);
            if (OnSockets)
                host.UseUrls("http://127.0.0.1:0"); // a free port, so hosts can run side by side
            configure?.Invoke(host);
        });
        _factories.Add(factory);
        if (OnSockets)
        {
            factory.UseKestrel();
            factory.StartServer();
        }
        return (factory, factory.CreateClient());
    }

    /// <summary>Issues a real API key through the admin endpoint, as an operator would.</summary>
    public async Task<string> IssueKeyAsync(string organisation, params string[] roles)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/admin/api-keys")
        {
            Content = JsonContent.Create(new { name = $"{organisation}-{string.Join('-', roles)}", organisation, roles }),
        };
        request.Headers.Add("X-Api-Key", AdminKey);
        using var response = await Ingest.SendAsync(request);
        Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
        var issued = await response.Content.ReadFromJsonAsync<IssuedKey>();
        return issued!.Key;
    }

    public static HttpRequestMessage Request(HttpMethod method, string path, string? key, object? body = null)
    {
        var request = new HttpRequestMessage(method, path);
        if (key is not null)
            request.Headers.Add("X-Api-Key", key);
        if (body is not null)
            request.Content = JsonContent.Create(body);
        return request;
    }

    public async Task DisposeAsync()
    {
        foreach (var factory in _factories)
            factory.Dispose();
        EvidenceKey.Dispose();
        await _vhost.DisposeAsync();
        await _db.DisposeAsync();
    }

    private sealed record IssuedKey(string Key);
}
