using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Takedown.EventStore;
using Takedown.ServiceDefaults.Auth;
using Takedown.ServiceDefaults.Http;
using Takedown.ServiceDefaults.Imports;
using Takedown.ServiceDefaults.Telemetry;

namespace Takedown.Ingest.Reports;

/// <param name="LastRow">The last row read; a client that sends a file in pieces resumes after it.</param>
/// <param name="RejectedTotal">Every rejected row; <paramref name="Rejected"/> lists the first of them.</param>
public sealed record ReportImportSummary(long Accepted, long Duplicates, IReadOnlyList<RejectedRow> Rejected, long RejectedTotal, long? LastRow);

/// <summary>
/// <c>POST /api/v1/reports:import</c>: many reports in one streamed CSV or JSON-lines body, each row validated as a single
/// report is, committed in batches (each batch one unit of work with its messages), bad rows answered by their line.
/// An imported report's id comes from its organisation, reference and canonical URL, so sending a file again, or
/// resuming it from an earlier row with <c>?firstRow=</c>, adds nothing that is already there.
/// </summary>
public static class ReportImport
{
    public static readonly CsvColumns Columns =
        new(["url", "platform", "text", "reporterReference", "observedAt", "jurisdiction", "views", "account"], ["url", "reporterReference"]);

    // A report's text is at most 20,000 characters; the rest of a row is short. Media is not imported (see below).
    private const int MaxLineChars = 64 * 1024;
    private const int MaxAttempts = 3;

    public static IEndpointRouteBuilder MapReportImport(this IEndpointRouteBuilder app)
    {
        var limits = app.ServiceProvider.GetRequiredService<IOptions<IngestOptions>>().Value;
        app.MapPost("/api/v1/reports:import", ImportAsync)
            .RequireAuthorization(Policies.SubmitReports)
            .WithMetadata(new RequestSizeLimitAttribute(limits.MaxImportBytes))
            .WithTags("Reports")
            .WithSummary("Report many pieces of content: text/csv (header naming the report's fields) or application/x-ndjson (one report per line), streamed; reports already imported are skipped.")
            .Produces<ReportImportSummary>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        return app;
    }

    private static async Task<IResult> ImportAsync(
        long? firstRow, HttpContext http, EventStore.EventStore store, TimeProvider time, IOptions<IngestOptions> options, CancellationToken ct)
    {
        if (firstRow is < 1)
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["firstRow"] = ["Rows are numbered from 1."] });
        var csv = ImportBody.IsCsv(http.Request.ContentType);
        if (!csv && !ImportBody.IsNdjson(http.Request.ContentType))
        {
            return Results.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported report list format.",
                detail: $"Send text/csv (header {Columns.HeaderHint}) or {ImportBody.Ndjson} (one report object per line).");
        }

        using var span = TakedownTelemetry.Source.StartActivity("report import");
        var limits = options.Value;
        var batch = new ReportBatch(store, http.ToEventContext());
        var rejected = new ImportRejections(limits.MaxReportedErrors);
        long? lastRow = null;
        try
        {
            await foreach (var line in ImportBody.ReadAsync(http.Request.Body, csv ? Columns : null, firstRow, MaxLineChars, ct))
            {
                lastRow = line.Row;
                string? error = line.Error;
                var request = error is null ? Parse(line, out error) : null;
                SubmitReport? command = null;
                if (request is not null)
                    command = ToCommand(request, http, time.GetUtcNow(), out error);
                if (command is null)
                {
                    rejected.Add(line.Row, error!);
                    continue;
                }
                await batch.AddAsync(command, limits.ImportBatchRows, ct);
            }
        }
        catch (ImportHeaderException e)
        {
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["body"] = [e.Message] });
        }
        await batch.FlushAsync(ct);
        span?.SetTag("takedown.import.accepted", batch.Accepted);
        span?.SetTag("takedown.import.duplicates", batch.Duplicates);
        span?.SetTag("takedown.import.rejected", rejected.Total);
        return Results.Ok(new ReportImportSummary(batch.Accepted, batch.Duplicates, rejected.Listed, rejected.Total, lastRow));
    }

    private static ReportRequest? Parse(ImportLine line, out string? error)
    {
        error = null;
        if (line.Csv is { } fields)
        {
            string? Field(string name) => string.IsNullOrWhiteSpace(fields[name]) ? null : fields[name];
            DateTimeOffset? observedAt = null;
            long? views = null;
            if (Field("observedAt") is { } observed)
            {
                if (!DateTimeOffset.TryParse(observed, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
                    error = "observedAt: not an ISO 8601 date and time.";
                observedAt = at;
            }
            if (Field("views") is { } count)
            {
                if (!long.TryParse(count, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n))
                    error = "views: not a whole number.";
                views = n;
            }
            return error is null
                ? new ReportRequest(Field("url"), Field("platform"), Field("text"), Field("reporterReference"), observedAt,
                    Field("jurisdiction"), views, null, Field("account"))
                : null;
        }
        var request = ImportBody.ParseJson<ReportRequest>(line.Text, out var jsonError);
        error = jsonError is null ? null : $"not a report object: {jsonError}";
        return request;
    }

    private static SubmitReport? ToCommand(ReportRequest request, HttpContext http, DateTimeOffset now, out string? error)
    {
        // Media rides inside a single report's JSON (base64, up to 10 MB an item): a file of them is not what this
        // endpoint streams. Report content with media one by one.
        if (request.Media is { Count: > 0 })
        {
            error = "media: not accepted in an import; report content with media through POST /api/v1/reports.";
            return null;
        }
        var errors = ReportEndpoints.Validate(request, now, out var canonicalUrl, out var platform, out var account);
        if (errors.Count > 0)
        {
            error = string.Join(" ", errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}"));
            return null;
        }
        error = null;
        var reportId = ContentIds.ForImportedReport(http.User.Organisation(), request.ReporterReference!.Trim(), canonicalUrl);
        return ReportEndpoints.ToCommand(request, reportId, canonicalUrl, platform, account, http, [], now);
    }

    /// <summary>
    /// Good rows gathered into units of work of a fixed size. A row for content already in the open batch closes the
    /// batch first: one unit of work decides each submission stream once.
    /// </summary>
    private sealed class ReportBatch(EventStore.EventStore store, EventContext context)
    {
        private readonly List<SubmitReport> _pending = [];
        private readonly HashSet<Guid> _contents = [];

        public long Accepted { get; private set; }
        public long Duplicates { get; private set; }

        public async Task AddAsync(SubmitReport command, int batchRows, CancellationToken ct)
        {
            if (_contents.Contains(command.ContentId))
                await FlushAsync(ct);
            _pending.Add(command);
            _contents.Add(command.ContentId);
            if (_pending.Count >= batchRows)
                await FlushAsync(ct);
        }

        public async Task FlushAsync(CancellationToken ct)
        {
            if (_pending.Count == 0)
                return;
            // A single report of the same content committed meanwhile conflicts with this batch: decide it again.
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    await using var session = store.Begin(context);
                    var decided = await session.DecideManyAsync(Submission.Aggregate, [.. _pending.Select(c => Submission.StreamId(c.ContentId))],
                        (i, state) => Submission.Decide(_pending[i], state), ct);
                    var accepted = decided.Where(d => d.NewEvents.Count > 0).Select(d => d.NewEvents[0]).ToList();
                    foreach (var received in accepted)
                        ReportEndpoints.Stage(session, received, []);
                    if (accepted.Count > 0)
                    {
                        session.AfterCommit(() =>
                        {
                            foreach (var platform in accepted.GroupBy(r => r.Platform))
                                TakedownTelemetry.ReportsAccepted.Add(platform.Count(), new KeyValuePair<string, object?>("platform", platform.Key));
                        });
                        await session.CommitAsync(ct);
                    }
                    Accepted += accepted.Count;
                    Duplicates += _pending.Count - accepted.Count;
                    break;
                }
                catch (JasperFx.ConcurrencyException) when (attempt < MaxAttempts)
                {
                }
            }
            _pending.Clear();
            _contents.Clear();
        }
    }
}
