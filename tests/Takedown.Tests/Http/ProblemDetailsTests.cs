using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Takedown.Testing;
using static Takedown.Tests.Http.EndpointAuthorizationTests;

namespace Takedown.Tests.Http;

public sealed class KestrelIngestFixture : IAsyncLifetime
{
    public TestDatabase Database { get; private set; } = null!;
    public TestVirtualHost VirtualHost { get; private set; } = null!;
    public IngestOnKestrel Ingest { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Database = await TestDatabase.CreateAsync();
        VirtualHost = await TestVirtualHost.CreateAsync();
        Ingest = IngestOnKestrel.Start(Database.ConnectionString, VirtualHost.Name);
        await Ingest.WaitUntilReadyAsync();
    }

    public async Task DisposeAsync()
    {
        await Ingest.DisposeAsync();
        await VirtualHost.DisposeAsync();
        await Database.DisposeAsync();
    }
}

/// <summary>Every error a client can meet is RFC 7807 problem details, over a real socket to Kestrel.</summary>
public sealed class ProblemDetailsTests(KestrelIngestFixture fixture) : IClassFixture<KestrelIngestFixture>
{
    private const string Reports = "/api/v1/reports";
    private HttpClient Client => fixture.Ingest.Client;

    private static HttpRequestMessage Request(HttpMethod method, string path, HttpContent? content = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = content };
        request.Headers.Add("X-Api-Key", IngestOnKestrel.AdminKey);
        return request;
    }

    private static object ValidReport(string? reporterReference = "TFP-1", DateTimeOffset? observedAt = null, string? text = "text") =>
        new { url = $"https://x.com/someone/status/{Random.Shared.NextInt64(1, long.MaxValue)}", reporterReference, observedAt, text };

    [Fact]
    public async Task A_body_over_the_report_limit_is_413()
    {
        // The report endpoint allows 32 MiB; Kestrel refuses a longer declared body before reading it.
        using var request = Request(HttpMethod.Post, Reports, new ByteArrayContent(new byte[32 * 1024 * 1024 + 1]));
        request.Content!.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.ExpectContinue = true;
        using var response = await Client.SendAsync(request);

        await AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task A_key_without_the_needed_role_is_403_naming_the_roles_it_needs()
    {
        using var issue = Request(HttpMethod.Post, "/api/v1/admin/api-keys",
            JsonContent.Create(new { name = $"desk-{Guid.NewGuid():N}", organisation = "tech-for-peace", roles = new[] { "reporter" } }));
        using var issued = await Client.SendAsync(issue);
        Assert.Equal(HttpStatusCode.Created, issued.StatusCode);
        var key = (await issued.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("key").GetString()!;

        // Reported media is for analysts and the services that fingerprint it, not for the flagger's key.
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/evidence/{new string('a', 64)}");
        request.Headers.Add("X-Api-Key", key);
        using var response = await Client.SendAsync(request);

        var problem = await AssertProblemAsync(response, HttpStatusCode.Forbidden);
        Assert.Equal(["analyst", "service", "admin"], problem.GetProperty("requiredRoles").EnumerateArray().Select(r => r.GetString()!));
        Assert.Equal(["reporter"], problem.GetProperty("keyRoles").EnumerateArray().Select(r => r.GetString()!));
        Assert.Contains("analyst, service, admin", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unmatched_route_is_404()
    {
        using var response = await Client.SendAsync(Request(HttpMethod.Get, "/api/v1/nothing-here"));
        await AssertProblemAsync(response, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_wrong_method_on_an_existing_route_is_405()
    {
        using var response = await Client.SendAsync(Request(HttpMethod.Get, Reports));
        await AssertProblemAsync(response, HttpStatusCode.MethodNotAllowed);
        Assert.Contains("POST", response.Content.Headers.Allow);
    }

    [Fact]
    public async Task A_report_that_is_not_json_is_415()
    {
        using var response = await Client.SendAsync(Request(HttpMethod.Post, Reports, new StringContent("url=https://x.com/a/status/1", Encoding.UTF8, "text/plain")));
        await AssertProblemAsync(response, HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task Malformed_json_is_400_with_where_it_broke()
    {
        using var response = await Client.SendAsync(Request(HttpMethod.Post, Reports, new StringContent("{\"url\": ", Encoding.UTF8, "application/json")));
        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.StartsWith("Invalid JSON", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task A_failure_inside_the_service_is_500_without_its_details()
    {
        // The key table gone mid-flight: an unknown key's lookup fails in PostgreSQL, as an outage would.
        await fixture.Database.ExecuteAsync("ALTER TABLE auth.api_keys RENAME TO api_keys_away");
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, Reports);
            request.Headers.Add("X-Api-Key", "tdk_" + Guid.NewGuid().ToString("N"));
            using var response = await Client.SendAsync(request);

            await AssertProblemAsync(response, HttpStatusCode.InternalServerError);
            Assert.DoesNotContain("api_keys", await response.Content.ReadAsStringAsync());
        }
        finally
        {
            await fixture.Database.ExecuteAsync("ALTER TABLE auth.api_keys_away RENAME TO api_keys");
        }
    }

    public static TheoryData<string, object> BadFields => new()
    {
        { "reporterReference", ValidReport(reporterReference: null) },
        { "reporterReference", ValidReport(reporterReference: new string('r', 201)) },
        { "observedAt", ValidReport(observedAt: DateTimeOffset.UtcNow.AddHours(1)) },
        { "text", ValidReport(text: new string('t', 20_001)) },
    };

    [Theory]
    [MemberData(nameof(BadFields))]
    public async Task A_report_with_one_bad_field_is_400_naming_it(string field, object report)
    {
        using var response = await Client.SendAsync(Request(HttpMethod.Post, Reports, JsonContent.Create(report)));
        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal([field], problem.GetProperty("errors").EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public async Task The_limits_themselves_are_accepted()
    {
        using var response = await Client.SendAsync(Request(HttpMethod.Post, Reports,
            JsonContent.Create(ValidReport(reporterReference: new string('r', 200), observedAt: DateTimeOffset.UtcNow, text: new string('t', 20_000)))));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }
}
