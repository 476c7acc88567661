extern alias classification;

using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MassTransit;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Takedown.Contracts;
using Takedown.Testing;
using static Takedown.Tests.Http.EndpointAuthorizationTests;

namespace Takedown.Tests.Classify;

/// <summary>The Classification host alone, on its own database and virtual host; content reaches it as ContentSubmitted.</summary>
public sealed class ClassificationHostFixture : IAsyncLifetime
{
    private const string AdminKey = "test-bootstrap-admin-key";
    public const string OverriddenQueue = "test-classification-overridden";
    private TestDatabase _db = null!;
    private WebApplicationFactory<classification::Program> _factory = null!;

    public HttpClient Client { get; private set; } = null!;
    public TestVirtualHost VirtualHost { get; private set; } = null!;
    public string AnalystKey { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _db = await TestDatabase.CreateAsync();
        VirtualHost = await TestVirtualHost.CreateAsync();
        // Kept before any override is published, so the tests can read what left the outbox.
        await VirtualHost.BindQueueAsync(OverriddenQueue, "Takedown.Contracts:ClassificationOverridden");
        _factory = new WebApplicationFactory<classification::Program>().WithWebHostBuilder(host =>
        {
            host.UseEnvironment("Testing");
            host.UseSetting("ConnectionStrings:Postgres", _db.ConnectionString);
            host.UseSetting("RabbitMq:VirtualHost", VirtualHost.Name);
            host.UseSetting("Auth:BootstrapAdminKey", AdminKey);
        });
        Client = _factory.CreateClient();
        await Eventually.UntilAsync(async () => (await Client.GetAsync("/health/ready")).StatusCode, s => s == HttpStatusCode.OK, what: "readiness");

        using var issue = Request(HttpMethod.Post, "/api/v1/admin/api-keys", AdminKey,
            new { name = "analyst", organisation = "takedown-analysts", roles = new[] { "analyst" } });
        using var issued = await Client.SendAsync(issue);
        Assert.Equal(HttpStatusCode.Created, issued.StatusCode);
        AnalystKey = (await issued.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetString()!;
    }

    public static HttpRequestMessage Request(HttpMethod method, string path, string key, object? body = null, string? ifMatch = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        request.Headers.Add("X-Api-Key", key);
        if (ifMatch is not null)
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        return request;
    }

    /// <summary>Reports <paramref name="contentId"/> as Ingest would and waits until its classification is at <paramref name="version"/>.</summary>
    public async Task<JsonElement> SubmitAsync(Guid contentId, string text, long version)
    {
        await _factory.Services.GetRequiredService<IBus>().Publish(new ContentSubmitted
        {
            ContentId = contentId,
            ReportId = Guid.NewGuid(),
            ReportNumber = (int)version,
            Url = $"https://x.com/someone/status/{contentId:N}",
            CanonicalUrl = $"https://x.com/someone/status/{contentId:N}",
            Platform = "x",
            Text = text,
            Jurisdiction = "DE",
            ReporterOrganisation = "tech-for-peace",
            ReportedAt = DateTimeOffset.UtcNow,
        });
        var (etag, body) = await Eventually.UntilAsync(() => ReadAsync(contentId), c => c.ETag == $"\"{version}\"", what: $"classification version {version}");
        Assert.Equal(JsonValueKind.Object, body.ValueKind);
        return body;
    }

    public async Task<(string? ETag, JsonElement Body)> ReadAsync(Guid contentId)
    {
        using var response = await Client.SendAsync(Request(HttpMethod.Get, $"/api/v1/classifications/{contentId}", AnalystKey));
        return (response.Headers.ETag?.Tag, await response.Content.ReadFromJsonAsync<JsonElement>());
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        await _factory.DisposeAsync();
        await VirtualHost.DisposeAsync();
        await _db.DisposeAsync();
    }
}

/// <summary>An analyst's override honours If-Match: it applies only to the version the analyst saw.</summary>
public sealed class OverrideTests(ClassificationHostFixture host) : IClassFixture<ClassificationHostFixture>
{
    private static readonly object Override = new { category = ContentCategories.HateSpeech, severity = "P2", reason = "A quoted slogan, not the group's own material." };

    private static string Path(Guid contentId) => $"/api/v1/classifications/{contentId}/override";

    private Task<HttpResponseMessage> OverrideAsync(Guid contentId, string? ifMatch) =>
        host.Client.SendAsync(ClassificationHostFixture.Request(HttpMethod.Post, Path(contentId), host.AnalystKey, Override, ifMatch));

    [Theory]
    [InlineData("W/\"1\"")]
    [InlineData("garbage")]
    public async Task An_if_match_that_names_no_version_is_412_with_the_current_one_and_changes_nothing(string ifMatch)
    {
        var contentId = Guid.NewGuid();
        var classified = await host.SubmitAsync(contentId, "they will meet him at the station", version: 1);

        using var response = await OverrideAsync(contentId, ifMatch);

        var problem = await AssertProblemAsync(response, HttpStatusCode.PreconditionFailed);
        Assert.Equal(1, problem.GetProperty("currentVersion").GetInt64());
        Assert.Equal("\"1\"", response.Headers.ETag?.Tag);
        var (etag, body) = await host.ReadAsync(contentId);
        Assert.Equal(("\"1\"", classified.GetProperty("category").GetString()), (etag, body.GetProperty("category").GetString()));
    }

    [Fact]
    public async Task An_override_of_a_version_since_replaced_is_409_and_changes_nothing()
    {
        var contentId = Guid.NewGuid();
        await host.SubmitAsync(contentId, "first wording of the post", version: 1);
        // The post was edited and reported again: the analyst's version 1 is no longer the one in force.
        var reclassified = await host.SubmitAsync(contentId, "second wording of the post", version: 2);

        using var response = await OverrideAsync(contentId, "\"1\"");

        await AssertProblemAsync(response, HttpStatusCode.Conflict);
        var (etag, body) = await host.ReadAsync(contentId);
        Assert.Equal(("\"2\"", reclassified.GetProperty("category").GetString()), (etag, body.GetProperty("category").GetString()));
    }

    [Fact]
    public async Task An_override_of_the_current_version_is_applied_and_published()
    {
        var contentId = Guid.NewGuid();
        await host.SubmitAsync(contentId, "they will meet him at the station", version: 1);

        using var response = await OverrideAsync(contentId, "\"1\"");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("\"2\"", response.Headers.ETag?.Tag);
        var result = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((2, ContentCategories.HateSpeech, "P2"),
            (result.GetProperty("version").GetInt64(), result.GetProperty("category").GetString(), result.GetProperty("severity").GetString()));
        var (etag, body) = await host.ReadAsync(contentId);
        Assert.Equal(("\"2\"", ContentCategories.HateSpeech, "P2"), (etag, body.GetProperty("category").GetString(), body.GetProperty("severity").GetString()));

        var published = await Eventually.UntilAsync(
            async () => (await host.VirtualHost.PeekAsync(ClassificationHostFixture.OverriddenQueue, 100))
                .Select(m => JsonDocument.Parse(m.GetProperty("payload").GetString()!).RootElement.GetProperty("message"))
                .Where(m => m.GetProperty("contentId").GetGuid() == contentId).ToList(),
            found => found.Count > 0, what: "the published override");
        var message = Assert.Single(published);
        Assert.Equal((ContentCategories.HateSpeech, "P2", "A quoted slogan, not the group's own material."),
            (message.GetProperty("category").GetString(), message.GetProperty("severity").GetString(), message.GetProperty("reason").GetString()));
    }
}
