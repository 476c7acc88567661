using Marten;
using Takedown.Search;
using Takedown.Search.Elasticsearch;
using Takedown.ServiceDefaults;
using Takedown.ServiceDefaults.Auth;

namespace Takedown.Reporting.Search.Elasticsearch;

public static class ElasticsearchModule
{
    /// <summary>
    /// Indexing into Elasticsearch and its search backend, when <c>Search:Elasticsearch:Url</c> is set; otherwise
    /// nothing (search answers from PostgreSQL). The indexer is a subscription on Reporting's Marten store.
    /// </summary>
    public static WebApplicationBuilder AddElasticsearchIndexing(this WebApplicationBuilder builder)
    {
        var settings = builder.Configuration.GetSection(ElasticsearchSettings.Section).Get<ElasticsearchSettings>();
        if (settings is not { Configured: true })
            return builder;

        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton(_ => settings.CreateClient());
        builder.Services.AddSingleton<ElasticsearchStatus>();
        builder.Services.AddSingleton<ElasticsearchIndexes>();
        builder.Services.AddSingleton<SearchIndexWriter>();
        builder.Services.AddSingleton<SearchIndexer>();
        builder.Services.AddSingleton<SearchIndexAdministration>();
        builder.Services.AddSingleton<ElasticsearchContentSearch>();
        // Registered before AddSearch's PostgreSQL default, so it wins; PostgreSQL still answers while Elasticsearch is away.
        builder.Services.AddSingleton<PostgresContentSearch>();
        builder.Services.AddSingleton<IContentSearch, SearchWithFallback>();
        // Resolved when the store is built; the indexer needs nothing from Marten but the operations it is handed.
        builder.Services.ConfigureMarten((services, store) =>
        {
            store.Schema.For<SearchIndexFailure>();
            store.Projections.Subscribe(services.GetRequiredService<SearchIndexer>());
        });
        builder.Services.AddSingleton<ElasticsearchStartup>();
        builder.Services.AddHostedService(services => services.GetRequiredService<ElasticsearchStartup>());
        builder.Services.AddHealthChecks().AddCheck<ElasticsearchHealthCheck>("elasticsearch", tags: [TakedownDefaults.ReadyTag]);
        return builder;
    }

    /// <summary>GET /api/v1/admin/search and POST /api/v1/admin/search/reindex, for operators; absent without Elasticsearch.</summary>
    public static IEndpointRouteBuilder MapElasticsearchAdministration(this IEndpointRouteBuilder app)
    {
        if (app.ServiceProvider.GetService<ElasticsearchSettings>() is null)
            return app;
        var admin = app.MapGroup("/api/v1/admin/search").RequireAuthorization(Policies.Administer).WithTags("Administration");

        admin.MapGet("/", async (int? failures, ElasticsearchStatus status, ElasticsearchSettings settings, ElasticsearchStartup startup,
            SearchIndexAdministration administration, CancellationToken ct) =>
        {
            var state = status.Current;
            var (total, latest) = await administration.FailuresAsync(Math.Clamp(failures ?? 50, 1, 500), ct);
            return Results.Ok(new
            {
                backend = "elasticsearch",
                url = settings.Url!.GetLeftPart(UriPartial.Authority),
                alias = settings.ContentAlias,
                dataStream = settings.CaseEventsDataStream,
                ready = state.Ready,
                problem = state.Problem,
                problemSince = state.ProblemSince,
                lastSuccessAt = state.LastSuccessAt,
                subscription = await administration.ProgressAsync(ct),
                lastReportedLag = startup.LastKnownProgress,
                failures = new { total, latest },
            });
        }).WithSummary("The Elasticsearch indexer: set-up state, the last problem, the subscription's progress and lag, items refused for good.");

        admin.MapPost("/reindex", async (SearchIndexAdministration administration, ElasticsearchStatus status, CancellationToken ct) =>
        {
            if (!status.Current.Ready)
                return Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Elasticsearch is not set up yet.", detail: status.Current.Problem);
            try
            {
                return await administration.ReindexAsync(ct) is { } result
                    ? Results.Ok(result)
                    : Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "A rebuild of the search index is already running.");
            }
            catch (ElasticsearchUnavailableException ex)
            {
                return Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Elasticsearch refused the rebuild.", detail: ex.Message);
            }
        }).WithSummary("Rebuilds the search index from the event log into a new index, switches the alias to it and deletes the old one. Answers when done, with counts.");
        return app;
    }
}
