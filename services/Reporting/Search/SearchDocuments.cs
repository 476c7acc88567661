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

    /// <summary>Marten's names for the duplicated columns, as the SQL in <see cref="PostgresContentSearch"/> uses them.</summary>
    public static class Columns
    {
        public const string Platform = "document_platform";
        public const string Category = "document_category";
        public const string Severity = "document_severity";
        public const string Status = "document_status";
        public const string Account = "document_account";
        public const string ReporterOrganisations = "document_reporter_organisations";
        public const string FirstReportedAt = "document_first_reported_at";
        public const string DueAt = "document_due_at";
        public const string ReuploadOf = "document_reupload_of";
        public const string Pdq = "document_pdq";
        public const string TextMinhashBands = "document_text_minhash_bands";
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
            // Arrays asked with && (overlap): GIN, not the default b-tree.
            .Duplicate(x => x.Document.ReporterOrganisations, configure: Gin)
            .Duplicate(x => x.Document.ReuploadOf)
            .Duplicate(x => x.Document.Pdq)
            .Duplicate(x => x.Document.TextMinhashBands, configure: Gin);
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
