using Microsoft.Extensions.DependencyInjection.Extensions;
using Takedown.Fingerprints.Media;
using Takedown.Search;

namespace Takedown.Reporting.Search;

public static class SearchModule
{
    /// <summary>
    /// The analysts' search backend and what the similar-content search needs. The search-documents projection itself is
    /// registered with the event store (<see cref="SearchDocuments.Register"/>), so PostgreSQL can always answer.
    /// </summary>
    public static WebApplicationBuilder AddSearch(this WebApplicationBuilder builder)
    {
        // The backend is chosen here: with Search:Elasticsearch:Url configured, the Elasticsearch backend is registered
        // before this line and wins; without it, PostgreSQL's full-text search over the same documents answers.
        builder.Services.TryAddSingleton<IContentSearch, PostgresContentSearch>();
        // ffmpeg decodes an uploaded image for its PDQ hash, with the same settings as ReuploadDetection (docs/fingerprints.md).
        builder.Services.TryAddSingleton(_ => new MediaFingerprinter(builder.Configuration.GetSection("Takedown:Media").Get<MediaOptions>() ?? new MediaOptions()));
        return builder;
    }
}
