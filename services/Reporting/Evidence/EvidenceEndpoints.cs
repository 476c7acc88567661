using Takedown.EventStore.Evidence;
using Takedown.Reporting.Cases;
using Takedown.ServiceDefaults.Auth;
using Takedown.ServiceDefaults.Evidence;
using Takedown.ServiceDefaults.Http;

namespace Takedown.Reporting.Evidence;

public static partial class EvidenceEndpoints
{
    internal const string OtherOrganisationsMedia = "supplied by another organisation's report; analysts and liaisons receive it";

    public static IEndpointRouteBuilder MapEvidence(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/api/v1/cases").WithTags("Cases")
            .MapGet("/{contentId:guid}/evidence-bundle", GetBundleAsync)
            .RequireAuthorization(Policies.ReadCases)
            .WithSummary("The case's evidence bundle (zip): its events with their hash chain, the reported text and media, fingerprints and "
                + "matches, notices and answers, and a signed manifest; `takedown audit verify --bundle` checks it offline. ETag is the stream version.")
            .Produces(StatusCodes.Status200OK, contentType: "application/zip")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        app.MapGet("/api/v1/admin/audit/heads", GetHeadsAsync)
            .RequireAuthorization(Policies.Administer)
            .WithTags("Audit")
            .WithSummary("Every case stream's head (id, version, hash), signed, as the scheduled export writes it; `takedown audit verify --heads` compares it later.");
        return app;
    }

    private static async Task<IResult> GetBundleAsync(
        Guid contentId, HttpContext http, EventStore.EventStore store, EvidenceSigner signer, EvidenceClient evidence, TimeProvider time,
        ILogger<EvidenceSigner> logger, CancellationToken ct)
    {
        var current = await store.AggregateAsync(TakedownCase.Aggregate, TakedownCase.StreamId(contentId), ct);
        if (!current.Exists || !CaseEndpoints.MayRead(http.User, current.State))
            return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such case.", detail: $"No case exists for content {contentId}.");
        if (signer.Key is not { } key)
            return Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Evidence bundles are not configured.", detail: EvidenceSigner.NotConfigured);

        // Read again with the chain, in one snapshot: the bundle is of this snapshot, whatever was appended since the fold.
        var stream = await ChainedEvents.ReadStreamAsync(store.DataSource, store.Schema, TakedownCase.StreamId(contentId), ct);
        if (stream.Events.Count == 0)
            return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such case.", detail: $"No case exists for content {contentId}.");
        var broken = ChainedEvents.FirstBreak(stream.Events)
            ?? (stream.Head != stream.Events.Count ? new ChainBreak(Math.Min(stream.Head ?? 0, stream.Events.Count) + 1, "the stream's head does not match its events") : null);
        if (broken is not null)
        {
            // A signature over tampered events would lend them credibility: refuse, and say where to look.
            return Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "The case's hash chain does not hold.",
                detail: $"{broken.Problem}; GET /api/v1/cases/{contentId}/audit shows the same. No bundle is signed over a broken chain.",
                extensions: new Dictionary<string, object?> { ["firstBrokenVersion"] = broken.Version });
        }

        var media = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var omitted = new List<OmittedMedia>();
        var events = stream.Events.Select(EvidenceBundle.ToBundleEvent).ToList();
        // A reporter sees the case because its organisation reported it, not the media other organisations supplied:
        // that media's own endpoint is for analysts and liaisons alone, and a bundle must not be a way around it.
        var mayReceive = http.User.SeesAllOrganisations() ? null : EvidenceBundle.MediaOf(
            events.Where(e => EvidenceBundle.ReporterOrganisationOf(e) == http.User.Organisation())).Select(m => m.Sha256).ToHashSet(StringComparer.Ordinal);
        foreach (var item in EvidenceBundle.MediaOf(events))
        {
            if (mayReceive is not null && !mayReceive.Contains(item.Sha256))
            {
                omitted.Add(new OmittedMedia(item.Sha256, item.Version, OtherOrganisationsMedia));
                continue;
            }
            try
            {
                media[item.Sha256] = (await evidence.FetchAsync(item.Sha256, ct)).Bytes;
            }
            catch (Exception e) when (e is EvidenceNotFoundException or EvidenceTooLargeException)
            {
                LogMediaOmitted(logger, item.Sha256, contentId, e.Message);
                omitted.Add(new OmittedMedia(item.Sha256, item.Version, e.Message));
            }
            catch (EvidenceSourceNotConfiguredException e)
            {
                return Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Reported media cannot be fetched.",
                    detail: $"{e.Message} Set Ingest__BaseUrl and Ingest__ApiKey (the service key) on Reporting.");
            }
            catch (HttpRequestException e)
            {
                return Results.Problem(statusCode: StatusCodes.Status502BadGateway, title: "Ingest did not give the reported media.", detail: e.Message);
            }
        }

        using var zip = new MemoryStream();
        EvidenceBundle.Write(zip, contentId, stream.Events, media, omitted, time.GetUtcNow(), key);
        http.Response.Headers.ETag = HttpEventContext.ETag(stream.Events[^1].Version);
        return Results.File(zip.ToArray(), "application/zip", $"case-{contentId}-evidence.zip");
    }

    private static async Task<IResult> GetHeadsAsync(EventStore.EventStore store, EvidenceSigner signer, TimeProvider time, CancellationToken ct)
    {
        if (signer.Key is not { } key)
            return Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Stream-head exports are not configured.", detail: EvidenceSigner.NotConfigured);
        var heads = await StreamHeadsExport.ReadAsync(store.DataSource, store.Schema, time.GetUtcNow(), ct);
        return Results.Bytes(StreamHeadsExport.Serialize(StreamHeadsExport.Sign(heads, key)), "application/json");
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Media {Sha256} of case {ContentId} is left out of its evidence bundle: {Reason}")]
    private static partial void LogMediaOmitted(ILogger logger, string sha256, Guid contentId, string reason);
}
