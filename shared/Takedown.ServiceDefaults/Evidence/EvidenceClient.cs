using System.Net;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace Takedown.ServiceDefaults.Evidence;

/// <summary>Where the reported media is: Ingest keeps the bytes in its schema and serves them by SHA-256.</summary>
public sealed class IngestClientOptions
{
    /// <summary>Ingest's base URL, e.g. http://ingest:8080.</summary>
    public Uri? BaseUrl { get; set; }

    /// <summary>A key Ingest accepts for reading evidence: the deployment's Auth:ServiceKey, or an issued key with the service role.</summary>
    public string? ApiKey { get; set; }

    /// <summary>Larger items are refused rather than held in memory; Ingest accepts 10 MiB per item by default.</summary>
    public long MaxEvidenceBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>Time allowed to one attempt, from the request to the last byte.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Attempts after the first when Ingest cannot be reached, times out or answers 408, 429 or 5xx.</summary>
    public int MaxRetries { get; set; } = 3;

    /// <summary>The first retry's delay; later ones double it, with jitter.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(500);
}

/// <summary>A media item's bytes and the media type its reporter gave.</summary>
public sealed record FetchedEvidence(byte[] Bytes, string ContentType);

/// <summary>Ingest holds no media with this SHA-256 (not retried: it will not appear).</summary>
public sealed class EvidenceNotFoundException(string sha256) : Exception($"Ingest holds no evidence with SHA-256 {sha256}.");

/// <summary>The item is larger than <see cref="IngestClientOptions.MaxEvidenceBytes"/> (not retried).</summary>
public sealed class EvidenceTooLargeException(string sha256, long limit) : Exception($"Evidence {sha256} is larger than the {limit} bytes allowed (Ingest:MaxEvidenceBytes).");

/// <summary>Ingest:BaseUrl is not set, so this service has nowhere to fetch reported media from.</summary>
public sealed class EvidenceSourceNotConfiguredException()
    : InvalidOperationException("Ingest:BaseUrl is not configured: this service cannot fetch evidence from Ingest.");

/// <summary>The bytes received do not hash to the SHA-256 asked for: a broken transfer, retried.</summary>
public sealed class EvidenceCorruptedException(string sha256) : IOException($"The bytes received for evidence {sha256} have another SHA-256.");

/// <summary>
/// Fetches reported media from Ingest (GET /api/v1/evidence/{sha256}): ReuploadDetection to fingerprint it, Reporting
/// to put it in a case's evidence bundle. Each attempt has a
/// timeout; unreachable Ingest, timeouts, 408, 429, 5xx and corrupted transfers are retried with exponential
/// backoff (Polly). The bytes are checked against their SHA-256, so what is used is what was reported.
/// </summary>
public sealed partial class EvidenceClient
{
    private readonly HttpClient _http;
    private readonly IngestClientOptions _options;
    private readonly ResiliencePipeline _pipeline;

    public EvidenceClient(HttpClient http, IOptions<IngestClientOptions> options, TimeProvider time, ILogger<EvidenceClient> logger)
    {
        _http = http;
        _options = options.Value;
        var builder = new ResiliencePipelineBuilder { TimeProvider = time };
        if (_options.MaxRetries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder()
                    .Handle<HttpRequestException>(IsTransient)
                    .Handle<TimeoutRejectedException>()
                    .Handle<EvidenceCorruptedException>(),
                MaxRetryAttempts = _options.MaxRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = _options.RetryDelay,
                OnRetry = retry =>
                {
                    LogRetry(logger, retry.Outcome.Exception, retry.AttemptNumber + 1, retry.RetryDelay.TotalMilliseconds);
                    return default;
                },
            });
        }
        _pipeline = builder.AddTimeout(_options.AttemptTimeout).Build();
    }

    /// <summary>Fetches the media item with this SHA-256 (64 hex digits).</summary>
    /// <exception cref="EvidenceNotFoundException">Ingest has no such item.</exception>
    /// <exception cref="EvidenceTooLargeException">The item is over the size cap.</exception>
    /// <exception cref="HttpRequestException">Ingest refused (e.g. 401: check Ingest:ApiKey) or stayed unavailable through the retries.</exception>
    public async Task<FetchedEvidence> FetchAsync(string sha256, CancellationToken ct)
    {
        if (!Sha256().IsMatch(sha256))
            throw new ArgumentException("A SHA-256 is 64 hexadecimal digits.", nameof(sha256));
        if (_http.BaseAddress is null)
            throw new EvidenceSourceNotConfiguredException();
        var key = sha256.ToLowerInvariant();
        return await _pipeline.ExecuteAsync(async token => await FetchOnceAsync(key, token), ct);
    }

    private async Task<FetchedEvidence> FetchOnceAsync(string sha256, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"api/v1/evidence/{sha256}");
        if (!string.IsNullOrEmpty(_options.ApiKey))
            request.Headers.Add("X-Api-Key", _options.ApiKey);
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        if (response.StatusCode == HttpStatusCode.NotFound)
            throw new EvidenceNotFoundException(sha256);
        if (!response.IsSuccessStatusCode)
        {
            var hint = response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden ? " (check Ingest:ApiKey)" : "";
            throw new HttpRequestException($"Ingest answered {(int)response.StatusCode} {response.ReasonPhrase} for evidence {sha256}{hint}.", null, response.StatusCode);
        }
        var limit = _options.MaxEvidenceBytes;
        if (response.Content.Headers.ContentLength > limit)
            throw new EvidenceTooLargeException(sha256, limit);

        await using var body = await response.Content.ReadAsStreamAsync(ct);
        var bytes = await ReadAtMostAsync(body, limit, sha256, response.Content.Headers.ContentLength, ct);
        if (!Convert.ToHexStringLower(SHA256.HashData(bytes)).Equals(sha256, StringComparison.Ordinal))
            throw new EvidenceCorruptedException(sha256);
        return new FetchedEvidence(bytes, response.Content.Headers.ContentType?.MediaType ?? "application/octet-stream");
    }

    // The Content-Length may be absent or wrong; the cap holds for what actually arrives.
    private static async Task<byte[]> ReadAtMostAsync(Stream body, long limit, string sha256, long? expected, CancellationToken ct)
    {
        using var buffer = new MemoryStream((int)Math.Min(expected ?? 81920, limit));
        var chunk = new byte[81920];
        int read;
        while ((read = await body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > limit)
                throw new EvidenceTooLargeException(sha256, limit);
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }

    // No status: the connection failed. 408, 429 and 5xx say "later"; other answers will not change on retry.
    private static bool IsTransient(HttpRequestException e) =>
        e.StatusCode is not { } status || status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)status >= 500;

    [GeneratedRegex("^[0-9a-fA-F]{64}$")]
    private static partial Regex Sha256();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Fetching evidence from Ingest failed; attempt {Attempt} in {DelayMs} ms")]
    private static partial void LogRetry(ILogger logger, Exception? exception, int attempt, double delayMs);
}

public static class EvidenceClientRegistration
{
    /// <summary>
    /// The <see cref="EvidenceClient"/>, configured from the <c>Ingest</c> section (<c>Ingest__BaseUrl</c>,
    /// <c>Ingest__ApiKey</c>, …): reported media stays in Ingest's schema and other services fetch it from there.
    /// </summary>
    public static WebApplicationBuilder AddIngestEvidenceClient(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<IngestClientOptions>().Bind(builder.Configuration.GetSection("Ingest"));
        builder.Services.AddHttpClient<EvidenceClient>((services, http) =>
        {
            if (services.GetRequiredService<IOptions<IngestClientOptions>>().Value.BaseUrl is { } ingest)
                http.BaseAddress = new Uri(ingest.AbsoluteUri.TrimEnd('/') + "/");
            http.Timeout = Timeout.InfiniteTimeSpan;   // each attempt has its own timeout (Polly)
        });
        return builder;
    }
}
