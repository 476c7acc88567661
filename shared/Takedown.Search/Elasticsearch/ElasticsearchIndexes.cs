using System.Globalization;
using Elastic.Clients.Elasticsearch;
using Elastic.Clients.Elasticsearch.IndexManagement;
using Elastic.Transport;
using Elastic.Transport.Products.Elasticsearch;

namespace Takedown.Search.Elasticsearch;

/// <summary>An index template as shipped in this assembly: the file the compose setup container puts too.</summary>
/// <param name="Name">The file name without ".json", which is the template's name in both places.</param>
public sealed record IndexTemplateFile(string Name, string Json)
{
    private const string Prefix = "Takedown.Search.Templates.";

    public static IReadOnlyList<IndexTemplateFile> All { get; } = Load();

    private static IndexTemplateFile[] Load()
    {
        var assembly = typeof(IndexTemplateFile).Assembly;
        return [.. assembly.GetManifestResourceNames()
            .Where(name => name.StartsWith(Prefix, StringComparison.Ordinal) && name.EndsWith(".json", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(name =>
            {
                using var reader = new StreamReader(assembly.GetManifestResourceStream(name)!);
                return new IndexTemplateFile(name[Prefix.Length..^".json".Length], reader.ReadToEnd());
            })];
    }
}

/// <summary>Elasticsearch refused or did not answer a request the service cannot do without.</summary>
public sealed class ElasticsearchUnavailableException(string message, Exception? inner = null) : Exception(message, inner)
{
    public static ElasticsearchUnavailableException From(string what, ElasticsearchResponse response)
    {
        var details = response.ApiCallDetails;
        var status = details.HttpStatusCode is { } code ? $"HTTP {code}" : "no answer";
        var reason = response.ElasticsearchServerError?.Error is { } error ? $": {error.Type}: {error.Reason}" : details.OriginalException is { } ex ? $": {ex.Message}" : "";
        return new ElasticsearchUnavailableException($"{what} failed ({status}){reason}", details.OriginalException);
    }
}

/// <summary>
/// The content indexes behind their alias: concrete indexes "{alias}-{yyyyMMddHHmmss}" created from the template, the
/// alias pointing at exactly one of them, switched atomically by a rebuild.
/// </summary>
public sealed class ElasticsearchIndexes(ElasticsearchClient client, ElasticsearchSettings settings)
{
    public string ContentAlias => settings.ContentAlias;

    public string NewContentIndexName(DateTimeOffset now) =>
        $"{settings.ContentAlias}-{now.UtcDateTime.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture)}";

    /// <summary>Puts every template, exactly as shipped (the same bytes deploy/setup/setup.sh puts).</summary>
    public async Task PutTemplatesAsync(CancellationToken ct)
    {
        foreach (var template in IndexTemplateFile.All)
        {
            var response = await client.Transport.RequestAsync<StringResponse>(
                Elastic.Transport.HttpMethod.PUT, $"/_index_template/{template.Name}", PostData.String(template.Json), ct);
            if (!response.ApiCallDetails.HasSuccessfulStatusCode)
                throw new ElasticsearchUnavailableException(
                    $"Putting index template {template.Name} failed ({Status(response.ApiCallDetails)}): {response.Body}", response.ApiCallDetails.OriginalException);
        }
    }

    /// <summary>
    /// Creates the first concrete index with the alias when the alias does not exist yet. Replicas starting together on
    /// an empty cluster may each create one; all of them then keep the oldest and remove the others.
    /// </summary>
    public async Task EnsureContentIndexAsync(DateTimeOffset now, CancellationToken ct)
    {
        if ((await AliasedIndexesAsync(ct)).Count == 0)
            await CreateIndexAsync(NewContentIndexName(now), withAlias: true, ct);
        var aliased = await AliasedIndexesAsync(ct);
        foreach (var extra in aliased.Order(StringComparer.Ordinal).Skip(1))
            await DeleteIndexAsync(extra, ct);
    }

    /// <summary>The concrete indexes the alias points at (one, but for a moment during a start-up race).</summary>
    public async Task<IReadOnlyList<string>> AliasedIndexesAsync(CancellationToken ct)
    {
        var response = await client.Indices.GetAliasAsync(Indices.All, settings.ContentAlias, ct);
        if (response.ApiCallDetails.HttpStatusCode == 404)
            return [];
        if (!response.IsValidResponse)
            throw ElasticsearchUnavailableException.From($"Reading alias {settings.ContentAlias}", response);
        return [.. response.Aliases?.Keys ?? []];
    }

    public async Task CreateIndexAsync(string index, bool withAlias, CancellationToken ct)
    {
        var request = new CreateIndexRequest(index);
        if (withAlias)
            request.Aliases = new Dictionary<Name, Alias> { [settings.ContentAlias] = new Alias { IsWriteIndex = true } };
        var response = await client.Indices.CreateAsync(request, ct);
        if (!response.IsValidResponse && response.ElasticsearchServerError?.Error?.Type != "resource_already_exists_exception")
            throw ElasticsearchUnavailableException.From($"Creating index {index}", response);
    }

    /// <summary>Points the alias at <paramref name="index"/> alone, in one atomic request; returns the indexes it left.</summary>
    public async Task<IReadOnlyList<string>> SwitchAliasAsync(string index, CancellationToken ct)
    {
        var previous = (await AliasedIndexesAsync(ct)).Where(i => i != index).ToArray();
        var actions = new List<IndexUpdateAliasesAction>();
        actions.AddRange(previous.Select(old => new IndexUpdateAliasesAction { Remove = new RemoveAction { Index = old, Alias = settings.ContentAlias } }));
        actions.Add(new IndexUpdateAliasesAction { Add = new AddAction { Index = index, Alias = settings.ContentAlias, IsWriteIndex = true } });
        var response = await client.Indices.UpdateAliasesAsync(new UpdateAliasesRequest { Actions = actions }, ct);
        if (!response.IsValidResponse)
            throw ElasticsearchUnavailableException.From($"Switching alias {settings.ContentAlias} to {index}", response);
        return previous;
    }

    public async Task DeleteIndexAsync(string index, CancellationToken ct)
    {
        var response = await client.Indices.DeleteAsync(index, ct);
        if (!response.IsValidResponse && response.ApiCallDetails.HttpStatusCode != 404)
            throw ElasticsearchUnavailableException.From($"Deleting index {index}", response);
    }

    internal static string Status(ApiCallDetails details) => details.HttpStatusCode is { } code ? $"HTTP {code}" : "no answer";
}
