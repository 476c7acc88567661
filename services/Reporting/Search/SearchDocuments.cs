using JasperFx.Events;
using JasperFx.Events.Projections;
using Marten;
using Marten.Events.Aggregation;
using Takedown.Reporting.Cases;
using Takedown.Search;
using Weasel.Postgresql.Tables;

namespace Takedown.Reporting.Search;

/// <summary>
/// A case as the embedded search keeps it: the fold's state (so the next event can be applied) beside the
/// <see cref="ContentDocument"/> it yields, which is what PostgreSQL searches and what Elasticsearch would be sent.
/// </summary>
/// <param name="Id">The case stream's id, <c>case-{contentId}</c>.</param>
public sealed record SearchEntry(string Id, SearchableContent State, ContentDocument Document);

/// <summary>Folds each case stream with <see cref="SearchableContent.Evolve"/> and rebuilds its document at every event.</summary>
public sealed class SearchEntryProjection : SingleStreamProjection<SearchEntry, string>
{
    public const string ProjectionName = "search-documents";

    public SearchEntryProjection() => Name = ProjectionName;

    // The document's UpdatedAt is the event's time, not the clock's: a rebuild yields the same documents.
    public override SearchEntry? Evolve(SearchEntry? snapshot, string id, IEvent e)
    {
        if (e.Data is not ICaseEvent data)
            return snapshot;
        var state = SearchableContent.Evolve(snapshot?.State ?? SearchableContent.Initial(id), data);
        return new SearchEntry(id, state, state.ToDocument(e.Version, e.Timestamp));
    }
}

/// <summary>
/// The embedded search's table: one <see cref="SearchEntry"/> per case, its filters duplicated into indexed columns
/// (see <see cref="Columns"/>), its normalised text under two full-text indexes, PostgreSQL's <c>arabic</c> and
/// <c>english</c> configurations. <see cref="PostgresContentSearch"/> asks the questions.
/// </summary>
public static class SearchDocuments
{
    /// <summary>The text search configurations the normalised text is indexed (and queried) with.</summary>
    public static readonly IReadOnlyList<string> TextConfigurations = ["arabic", "english"];

    /// <summary>
    /// The normalised text in the stored JSON (Marten's camel case). The full-text indexes and the queries use this one
    /// expression: PostgreSQL uses an expression index only for a query that repeats it exactly.
    /// </summary>
    public const string NormalisedText = "(data -> 'document' ->> 'normalisedText')";

    /// <summary>Marten's names for the duplicated columns (the path's names joined), as the SQL in <see cref="PostgresContentSearch"/> uses them.</summary>
    public static class Columns
    {
        public const string Platform = "documentplatform";
        public const string Category = "documentcategory";
        public const string Severity = "documentseverity";
        public const string Status = "documentstatus";
        public const string Account = "documentaccount";
        public const string ReporterOrganisations = "documentreporter_organisations";
        public const string FirstReportedAt = "documentfirst_reported_at";
        public const string DueAt = "documentdue_at";
        public const string ContentUp = "documentcontent_up";
        public const string ReuploadOf = "documentreupload_of";
        public const string Pdq = "documentpdq";
        public const string TextMinhashBands = "documenttext_minhash_bands";
    }

    public static void Register(StoreOptions options)
    {
        options.Projections.Add(new SearchEntryProjection(), ProjectionLifecycle.Async);
        var entries = options.Schema.For<SearchEntry>()
            .Duplicate(x => x.Document.Platform)
            .Duplicate(x => x.Document.Category)
            .Duplicate(x => x.Document.Severity)
            .Duplicate(x => x.Document.Status)
            .Duplicate(x => x.Document.Account)
            .Duplicate(x => x.Document.FirstReportedAt)
            .Duplicate(x => x.Document.DueAt)
            .Duplicate(x => x.Document.ContentUp)
            // Lists as PostgreSQL arrays (Marten would make read-only lists jsonb); those asked with && (overlap) under GIN.
            .Duplicate(x => x.Document.ReporterOrganisations, pgType: "varchar[]", configure: Gin)
            .Duplicate(x => x.Document.ReuploadOf, pgType: "uuid[]")
            .Duplicate(x => x.Document.Pdq, pgType: "varchar[]")
            .Duplicate(x => x.Document.TextMinhashBands, pgType: "varchar[]", configure: Gin);
        foreach (var configuration in TextConfigurations)
        {
            entries.FullTextIndex(configuration, index =>
            {
                index.Name = $"mt_doc_searchentry_{configuration}_fts";
                index.DocumentConfig = NormalisedText;
            });
        }
    }

    private static void Gin(Marten.Schema.DocumentIndex index) => index.Method = IndexMethod.gin;
}
