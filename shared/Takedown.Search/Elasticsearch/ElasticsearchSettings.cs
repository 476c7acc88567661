using Elastic.Clients.Elasticsearch;
using Elastic.Clients.Elasticsearch.Serialization;
using Elastic.Transport;

namespace Takedown.Search.Elasticsearch;

/// <summary>
/// Where Reporting's Elasticsearch is and how to reach it (section <c>Search:Elasticsearch</c>, environment
/// <c>Search__Elasticsearch__Url</c> and so on). Without <see cref="Url"/> nothing is indexed and search answers from
/// PostgreSQL.
/// </summary>
public sealed class ElasticsearchSettings
{
    public const string Section = "Search:Elasticsearch";

    /// <summary>The node, e.g. https://elasticsearch:9200. A 9.x node: the client speaks 9.x only.</summary>
    public Uri? Url { get; set; }

    /// <summary>An API key as Elasticsearch prints it ("encoded": base64 of id:key); preferred over a password.</summary>
    public string? ApiKey { get; set; }

    public string? Username { get; set; }

    public string? Password { get; set; }

    /// <summary>SHA-256 fingerprint of the cluster's CA (hex), for a security-on cluster with its own self-signed CA.</summary>
    public string? CertificateFingerprint { get; set; }

    /// <summary>The alias analysts and the search API read; concrete indexes are "{alias}-{yyyyMMddHHmmss}".</summary>
    public string ContentAlias { get; set; } = "takedown-content";

    /// <summary>The case timeline's data stream; created by its index template on the first write.</summary>
    public string CaseEventsDataStream { get; set; } = "takedown-case-events";

    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The first wait before a failed write is tried again; it doubles (with jitter) up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest wait between two attempts while Elasticsearch refuses or is away.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(1);

    public bool Configured => Url is not null;

    /// <summary>
    /// The one client of the service: documents serialised as <see cref="SearchJson"/> says (snake_case, as the
    /// templates map them). The client sends nothing anywhere but <see cref="Url"/>; its meta header only names its
    /// version to that node. <paramref name="invoker"/> is for tests (Elastic.Transport's in-memory invoker).
    /// </summary>
    public ElasticsearchClient CreateClient(IRequestInvoker? invoker = null)
    {
        var url = Url ?? throw new InvalidOperationException($"{Section}:Url is not set.");
        var pool = new SingleNodePool(url);
        ElasticsearchClientSettings.SourceSerializerFactory documents =
            (_, settings) => new DefaultSourceSerializer(settings, options => SearchJson.Apply(options));
        var settings = invoker is null ? new ElasticsearchClientSettings(pool, documents) : new ElasticsearchClientSettings(pool, invoker, documents);
        settings.RequestTimeout(RequestTimeout);
        if (!string.IsNullOrEmpty(ApiKey))
            settings.Authentication(new ApiKey(ApiKey));
        else if (!string.IsNullOrEmpty(Username))
            settings.Authentication(new BasicAuthentication(Username, Password ?? ""));
        if (!string.IsNullOrEmpty(CertificateFingerprint))
            settings.CertificateFingerprint(CertificateFingerprint);
        return new ElasticsearchClient(settings);
    }
}
