using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Takedown.ServiceDefaults.Evidence;
using Takedown.Tests.EndToEnd;

namespace Takedown.Tests.Evidence;

/// <summary>Reported media served by Ingest, and fetched by ReuploadDetection for fingerprinting.</summary>
public sealed class IngestEvidenceTests(PipelineFixture pipeline) : IClassFixture<PipelineFixture>
{
    private async Task<(byte[] Bytes, string Sha256)> ReportMediaAsync(string contentType, int length = 50_000)
    {
        var reporter = await pipeline.IssueKeyAsync("tech-for-peace", "reporter");
        var bytes = RandomNumberGenerator.GetBytes(length);
        using var response = await pipeline.Ingest.SendAsync(PipelineFixture.Request(HttpMethod.Post, "/api/v1/reports", reporter, new
        {
            url = $"https://www.facebook.com/evidence/{Guid.NewGuid():N}", platform = "facebook", text = "a screenshot", reporterReference = "E-1",
            media = new[] { new { contentType, data = Convert.ToBase64String(bytes) } },
        }));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (bytes, Convert.ToHexStringLower(SHA256.HashData(bytes)));
    }

    private async Task<HttpResponseMessage> GetAsync(string sha256, string? key) =>
        await pipeline.Ingest.SendAsync(PipelineFixture.Request(HttpMethod.Get, $"/api/v1/evidence/{sha256}", key));

    [Fact]
    public async Task Ingest_serves_stored_evidence_to_analysts_and_services_with_its_media_type()
    {
        var (bytes, sha256) = await ReportMediaAsync("image/png");
        var analyst = await pipeline.IssueKeyAsync("takedown-analysts", "analyst");

        foreach (var key in new[] { analyst, PipelineFixture.ServiceKey, await pipeline.IssueKeyAsync("takedown", "service") })
        {
            using var response = await GetAsync(sha256.ToUpperInvariant(), key);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("image/png", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
            Assert.Equal($"\"{sha256}\"", response.Headers.ETag?.Tag);
            Assert.Equal(bytes, await response.Content.ReadAsByteArrayAsync());
        }
    }

    [Fact]
    public async Task Evidence_is_refused_to_other_roles_and_unknown_or_malformed_hashes_are_problem_details()
    {
        var (_, sha256) = await ReportMediaAsync("video/mp4", 1000);
        var analyst = await pipeline.IssueKeyAsync("takedown-analysts", "analyst");

        using (var anonymous = await GetAsync(sha256, null))
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        foreach (var role in new[] { "reporter", "liaison" })
        {
            using var forbidden = await GetAsync(sha256, await pipeline.IssueKeyAsync("tech-for-peace", role));
            Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        }
        // The service key reads evidence and nothing else.
        using (var serviceReports = await pipeline.Ingest.SendAsync(PipelineFixture.Request(HttpMethod.Post, "/api/v1/reports", PipelineFixture.ServiceKey,
                   new { url = "https://x.com/a/status/1", platform = "x", reporterReference = "r" })))
            Assert.Equal(HttpStatusCode.Forbidden, serviceReports.StatusCode);

        using (var unknown = await GetAsync(Convert.ToHexStringLower(SHA256.HashData("never reported"u8)), analyst))
        {
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
            Assert.Equal("application/problem+json", unknown.Content.Headers.ContentType?.MediaType);
            Assert.Equal("No such evidence.", (await unknown.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("title").GetString());
        }
        using var malformed = await GetAsync("abc", analyst);
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        Assert.Equal(["sha256"], (await malformed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public async Task ReuploadDetection_fetches_the_exact_bytes_ingest_stored()
    {
        var (bytes, sha256) = await ReportMediaAsync("image/jpeg", 200_000);

        using var scope = pipeline.ReuploadServices.CreateScope();
        var client = scope.ServiceProvider.GetRequiredService<EvidenceClient>();
        var fetched = await client.FetchAsync(sha256, CancellationToken.None);

        Assert.Equal(sha256, Convert.ToHexStringLower(SHA256.HashData(fetched.Bytes)));
        Assert.Equal(bytes, fetched.Bytes);
        Assert.Equal("image/jpeg", fetched.ContentType);
        await Assert.ThrowsAsync<EvidenceNotFoundException>(() => client.FetchAsync(Convert.ToHexStringLower(SHA256.HashData("never reported"u8)), CancellationToken.None));
    }

    [Fact]
    public async Task The_evidence_client_retries_unavailability_and_timeouts_but_not_refusals_or_oversized_items()
    {
        var (bytes, sha256) = await ReportMediaAsync("image/png", 30_000);

        // Ingest answers 503, then the connection fails, then it is slower than the attempt timeout; the fourth attempt gets through.
        var flaky = new FaultyHandler(pipeline.CreateIngestHandler(),
            _ => Task.FromResult<HttpResponseMessage?>(new HttpResponseMessage(HttpStatusCode.ServiceUnavailable)),
            _ => throw new HttpRequestException("Connection refused"),
            async ct => { await Task.Delay(TimeSpan.FromSeconds(30), ct); return null; });
        var fetched = await Client(flaky).FetchAsync(sha256, CancellationToken.None);
        Assert.Equal(bytes, fetched.Bytes);
        Assert.Equal(4, flaky.Attempts);

        // A refused key is not retried.
        var refused = new FaultyHandler(pipeline.CreateIngestHandler());
        var unauthorised = await Assert.ThrowsAsync<HttpRequestException>(() => Client(refused, apiKey: "tdk_wrong").FetchAsync(sha256, CancellationToken.None));
        Assert.Equal((HttpStatusCode.Unauthorized, 1), (unauthorised.StatusCode, refused.Attempts));

        // Over the size cap: refused after one attempt, never read whole.
        var large = new FaultyHandler(pipeline.CreateIngestHandler());
        await Assert.ThrowsAsync<EvidenceTooLargeException>(() => Client(large, maxBytes: 10_000).FetchAsync(sha256, CancellationToken.None));
        Assert.Equal(1, large.Attempts);

        // Always unavailable: the first attempt and three retries, then the failure.
        var down = new FaultyHandler(pipeline.CreateIngestHandler(), [.. Enumerable.Repeat<Func<CancellationToken, Task<HttpResponseMessage?>>>(
            _ => Task.FromResult<HttpResponseMessage?>(new HttpResponseMessage(HttpStatusCode.BadGateway)), 10)]);
        var unavailable = await Assert.ThrowsAsync<HttpRequestException>(() => Client(down).FetchAsync(sha256, CancellationToken.None));
        Assert.Equal((HttpStatusCode.BadGateway, 4), (unavailable.StatusCode, down.Attempts));
    }

    private static EvidenceClient Client(HttpMessageHandler handler, string apiKey = PipelineFixture.ServiceKey, long maxBytes = 1024 * 1024) =>
        new(new HttpClient(handler) { BaseAddress = new Uri("http://ingest.test/") },
            Options.Create(new IngestClientOptions
            {
                ApiKey = apiKey, MaxEvidenceBytes = maxBytes, AttemptTimeout = TimeSpan.FromSeconds(2), MaxRetries = 3, RetryDelay = TimeSpan.FromMilliseconds(10),
            }),
            TimeProvider.System, NullLogger<EvidenceClient>.Instance);

    /// <summary>Fails the first attempts as scripted (a null answer from a fault passes the request on), then sends the rest to Ingest.</summary>
    private sealed class FaultyHandler(HttpMessageHandler ingest, params Func<CancellationToken, Task<HttpResponseMessage?>>[] faults) : DelegatingHandler(ingest)
    {
        private int _attempts;

        public int Attempts => _attempts;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            var attempt = Interlocked.Increment(ref _attempts);
            if (attempt <= faults.Length && await faults[attempt - 1](ct) is { } failed)
                return failed;
            return await base.SendAsync(request, ct);
        }
    }
}
