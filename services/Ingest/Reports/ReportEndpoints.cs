using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Takedown.Contracts;
using Takedown.EventStore;
using Takedown.Fingerprints.Urls;
using Takedown.ServiceDefaults.Auth;
using Takedown.ServiceDefaults.Http;
using Takedown.ServiceDefaults.Telemetry;

namespace Takedown.Ingest.Reports;

public sealed record ReportRequest(
    string? Url,
    string? Platform,
    string? Text,
    string? ReporterReference,
    DateTimeOffset? ObservedAt,
    string? Jurisdiction,
    long? Views,
    IReadOnlyList<MediaUpload>? Media,
    string? Account = null);

public sealed record ReportAccepted(Guid ContentId, Guid ReportId, int ReportNumber, string CaseUrl);

public static partial class ReportEndpoints
{
    private const int MaxTextLength = 20_000;
    private const int MaxAttempts = 3;
    // Room for MaxItems media of up to IngestOptions.MaxMediaBytes each is not the goal: large video comes
    // through its own upload later; a report carries screenshots and short clips.
    private const long MaxReportBytes = 32 * 1024 * 1024;

    public static IEndpointRouteBuilder MapReports(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/v1/reports", SubmitAsync)
            .RequireAuthorization(Policies.SubmitReports)
            .WithMetadata(new RequestSizeLimitAttribute(MaxReportBytes))
            .WithTags("Reports")
            .WithSummary("Report a piece of online content; answers 202 once the report is durably stored.")
            .Produces<ReportAccepted>(StatusCodes.Status202Accepted)
            .ProducesValidationProblem();
        return app;
    }

    private static async Task<IResult> SubmitAsync(
        ReportRequest request, HttpContext http, EventStore.EventStore store, TimeProvider time, IOptions<IngestOptions> options, CancellationToken ct)
    {
        // One span for validate, append and commit: the report's trace, and every message it causes, hangs from here.
        using var span = TakedownTelemetry.Source.StartActivity("report accept");
        var now = time.GetUtcNow();
        var idempotencyKey = http.Request.Headers[IdempotencyKeys.Header].ToString();
        var keyed = http.Request.Headers.ContainsKey(IdempotencyKeys.Header);
        if (keyed && IdempotencyKeys.Fault(idempotencyKey) is { } keyFault)
            return Results.ValidationProblem(new Dictionary<string, string[]> { [IdempotencyKeys.Header] = [keyFault] });
        var organisation = http.User.Organisation();
        var keptSince = now - options.Value.IdempotencyKeyRetention;
        var requestHash = keyed ? IdempotencyKeys.HashOf(request) : [];
        if (keyed && await IdempotencyKeys.FindAsync(store, organisation, idempotencyKey, keptSince, ct) is { } first)
            return Replay(first, requestHash, idempotencyKey, options.Value, span);

        var errors = Validate(request, now, out var canonicalUrl, out var platform, out var account);
        var media = Evidence.Decode(request.Media, options.Value.MaxMediaBytes, errors);
        if (errors.Count > 0)
        {
            span?.SetTag(TakedownTelemetry.OutcomeTag, "invalid");
            span?.SetTag("takedown.invalid_fields", string.Join(',', errors.Keys));
            return Results.ValidationProblem(errors);
        }

        var reportId = keyed ? ContentIds.ForIdempotentReport(organisation, idempotencyKey) : Guid.CreateVersion7(now);
        var command = ToCommand(request, reportId, canonicalUrl, platform, account, http, [.. media.Select(m => m.Reference)], now);
        var contentId = command.ContentId;
        span?.SetTag(TakedownTelemetry.ContentIdTag, contentId);
        span?.SetTag("takedown.platform", platform);
        span?.SetTag("takedown.media.count", media.Count);

        ReportReceived? received;
        try
        {
            var key = keyed ? new KeyToRecord(organisation, idempotencyKey, requestHash, keptSince) : null;
            received = await AppendWithRetryAsync(store, http.ToEventContext(), command, media, key, ct);
        }
        catch (Exception unique) when (keyed && IsUniqueViolation(unique))
        {
            // The same key committed by a request that raced this one: its answer is the answer.
            received = null;
        }
        catch (Exception ex) when (span.Failed(ex))
        {
            throw;
        }
        if (received is null)
        {
            // The winner's row, or (a key past its retention, sent again with the same report) the report already in its stream.
            var winner = await IdempotencyKeys.FindAsync(store, organisation, idempotencyKey, keptSince, ct)
                ?? await InStreamAsync(store, command.ContentId, reportId, requestHash, ct);
            return Replay(winner, requestHash, idempotencyKey, options.Value, span);
        }
        // Committed by now: a request that failed before the commit counted nothing.
        TakedownTelemetry.ReportsAccepted.Add(1, new KeyValuePair<string, object?>("platform", command.Platform));
        span?.SetTag(TakedownTelemetry.OutcomeTag, "accepted");
        span?.SetTag("takedown.report.number", received.ReportNumber);

        var caseUrl = $"{options.Value.CaseBaseUrl?.TrimEnd('/')}/api/v1/cases/{contentId}";
        return Results.Accepted(caseUrl, new ReportAccepted(contentId, received.ReportId, received.ReportNumber, caseUrl));
    }

    private sealed record KeyToRecord(string Organisation, string Key, byte[] RequestHash, DateTimeOffset KeptSince);

    private static bool IsUniqueViolation(Exception? e) =>
        e is not null && (e is Npgsql.PostgresException { SqlState: Npgsql.PostgresErrorCodes.UniqueViolation } || IsUniqueViolation(e.InnerException));

    private static async Task<IdempotencyKeys.Stored> InStreamAsync(EventStore.EventStore store, Guid contentId, Guid reportId, byte[] requestHash, CancellationToken ct)
    {
        var events = await store.ReadStreamAsync(Submission.StreamId(contentId), ct);
        var received = events.Select(e => e.Data).OfType<ReportReceived>().Single(r => r.ReportId == reportId);
        return new IdempotencyKeys.Stored(requestHash, received.ContentId, received.ReportId, received.ReportNumber);
    }

    /// <summary>The first answer of an <c>Idempotency-Key</c> again, or 422 when the key came with another report.</summary>
    private static IResult Replay(IdempotencyKeys.Stored first, byte[] requestHash, string key, IngestOptions options, System.Diagnostics.Activity? span)
    {
        if (!CryptographicOperations.FixedTimeEquals(first.RequestHash, requestHash))
        {
            span?.SetTag(TakedownTelemetry.OutcomeTag, "idempotency-key-reused");
            return Results.Problem(statusCode: StatusCodes.Status422UnprocessableEntity, title: "This Idempotency-Key was used for another report.",
                detail: $"The key '{key}' already answered a different request body; send a new key for a new report.",
                extensions: new Dictionary<string, object?> { ["errors"] = new Dictionary<string, string[]> { [IdempotencyKeys.Header] = ["Already used for another report."] } });
        }
        span?.SetTag(TakedownTelemetry.OutcomeTag, "replayed");
        var caseUrl = $"{options.CaseBaseUrl?.TrimEnd('/')}/api/v1/cases/{first.ContentId}";
        return Results.Accepted(caseUrl, new ReportAccepted(first.ContentId, first.ReportId, first.ReportNumber, caseUrl));
    }

    // Two reports of the same URL at the same moment race for the same stream; the loser re-reads and appends after.
    // Null only for a keyed report already in its stream (the decider's no-op on a known report id).
    private static async Task<ReportReceived?> AppendWithRetryAsync(
        EventStore.EventStore store, EventContext context, SubmitReport command, IReadOnlyList<Evidence.Decoded> media, KeyToRecord? key, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var session = store.Begin(context);
                var received = await AppendAsync(session, command, media, ct);
                if (received is null)
                    return null;
                if (key is not null)
                    IdempotencyKeys.Record(session, key.Organisation, key.Key, key.RequestHash, received, key.KeptSince);
                await session.CommitAsync(ct);
                return received;
            }
            catch (JasperFx.ConcurrencyException) when (attempt < MaxAttempts)
            {
            }
        }
    }

    internal static SubmitReport ToCommand(
        ReportRequest request, Guid reportId, string canonicalUrl, string platform, string? account, HttpContext http, IReadOnlyList<EvidenceReference> media, DateTimeOffset now) =>
        new(ContentIds.FromCanonicalUrl(canonicalUrl), reportId, request.Url!.Trim(), canonicalUrl, platform, account,
            string.IsNullOrWhiteSpace(request.Text) ? null : request.Text, request.ReporterReference!.Trim(),
            http.User.Organisation(), http.User.Actor(), request.ObservedAt, request.Jurisdiction?.Trim().ToUpperInvariant(), request.Views,
            media, now);

    /// <summary>
    /// The write path of one report inside a unit of work: decide on its submission stream, store its media and stage its
    /// <see cref="ContentSubmitted"/>. Null when the stream already holds this report (<see cref="Submission.Decide"/>).
    /// </summary>
    internal static async Task<ReportReceived?> AppendAsync(EventSession session, SubmitReport command, IReadOnlyList<Evidence.Decoded> media, CancellationToken ct)
    {
        var decided = await session.DecideAsync(Submission.Aggregate, Submission.StreamId(command.ContentId), expectedVersion: null,
            state => Submission.Decide(command, state), ct);
        if (decided.NewEvents.Count == 0)
            return null;
        var received = decided.NewEvents[0];
        Stage(session, received, media);
        return received;
    }

    /// <summary>Stores a received report's media and stages its <see cref="ContentSubmitted"/>, in the unit of work that appends it.</summary>
    internal static void Stage(EventSession session, ReportReceived received, IReadOnlyList<Evidence.Decoded> media)
    {
        Evidence.Store(session, media, received.ReceivedAt);
        session.Stage(new ContentSubmitted
        {
            ContentId = received.ContentId,
            ReportId = received.ReportId,
            ReportNumber = received.ReportNumber,
            Url = received.Url,
            CanonicalUrl = received.CanonicalUrl,
            Platform = received.Platform,
            Account = received.Account,
            Text = received.Text,
            Jurisdiction = received.Jurisdiction,
            ObservedAt = received.ObservedAt,
            Views = received.Views,
            ReporterOrganisation = received.ReporterOrganisation,
            ReportedAt = received.ReceivedAt,
            Media = [.. received.Media.Select(m => new MediaEvidence { Sha256 = m.Sha256, Md5 = m.Md5, ContentType = m.ContentType, Length = m.Length })],
        });
    }

    // The account the reporter names wins over the one the URL carries: on X the handle in a status URL is not checked
    // by the platform (any handle resolves), and a reporter may know the channel a forwarded post came from.
    internal static Dictionary<string, string[]> Validate(
        ReportRequest request, DateTimeOffset now, out string canonicalUrl, out string platform, out string? account)
    {
        var errors = new Dictionary<string, string[]>();
        if (!CanonicalUrl.TryCreate(request.Url, out canonicalUrl, out var urlError))
            errors["url"] = [urlError!];
        else if (AddressPolicy.IntakeFault(new Uri(request.Url!.Trim())) is { } notPublic)
            errors["url"] = [notPublic];
        // A known host decides the platform, so "Twitter", "twitter" and "X" reports of x.com count as one platform;
        // the reporter's name is needed only for other sites.
        platform = (errors.ContainsKey("url") ? null : Platforms.FromUrl(canonicalUrl)) ?? request.Platform?.Trim().ToLowerInvariant() ?? "";
        if (!PlatformName().IsMatch(platform))
            errors["platform"] = ["A platform name is required: letters, digits, '.', '-' or '_', at most 64 characters."];
        if (string.IsNullOrWhiteSpace(request.ReporterReference) || request.ReporterReference.Length > 200)
            errors["reporterReference"] = ["The reporter's own reference for this report is required (at most 200 characters)."];
        if (request.Text is { Length: > MaxTextLength })
            errors["text"] = [$"At most {MaxTextLength} characters."];
        if (request.ObservedAt is { } observed && observed > now.AddMinutes(5))
            errors["observedAt"] = ["Cannot be in the future."];
        if (request.Jurisdiction is { } jurisdiction && !Jurisdiction().IsMatch(jurisdiction.Trim()))
            errors["jurisdiction"] = ["An ISO 3166-1 alpha-2 country code, or EU."];
        if (request.Views is < 0)
            errors["views"] = ["Cannot be negative."];
        account = null;
        if (!string.IsNullOrWhiteSpace(request.Account))
        {
            account = errors.ContainsKey("platform") ? null : Accounts.Canonical(platform, request.Account);
            if (account is null && !errors.ContainsKey("platform"))
                errors["account"] = [$"Not an account on {platform}: a handle (@name), an id (id:123), or the account's URL on the platform, at most 200 characters."];
        }
        else if (!errors.ContainsKey("url"))
            account = Accounts.FromUrl(request.Url);
        return errors;
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    private static partial Regex PlatformName();

    [GeneratedRegex("^[A-Za-z]{2}$")]
    private static partial Regex Jurisdiction();
}
