using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Takedown.EventStore;
using Takedown.ServiceDefaults.Auth;
using Takedown.ServiceDefaults.Http;
using Takedown.ServiceDefaults.Imports;

namespace Takedown.ReuploadDetection.Banks;

/// <param name="LastRow">The last row read; a client that sends a file in pieces resumes after it.</param>
/// <param name="RejectedTotal">Every rejected row; <paramref name="Rejected"/> lists the first of them.</param>
public sealed record ImportSummary(string Bank, long Accepted, long Duplicates, IReadOnlyList<RejectedRow> Rejected, long RejectedTotal, long? LastRow);

public static class BankEndpoints
{
    public static IEndpointRouteBuilder MapBanks(this IEndpointRouteBuilder app)
    {
        var limits = app.ServiceProvider.GetRequiredService<IOptions<BankOptions>>().Value;
        var banks = app.MapGroup("/api/v1/banks").WithTags("Banks").RequireAuthorization(Policies.Analyse);

        banks.MapPost("/{bank}/hashes:import", ImportAsync)
            .WithMetadata(new RequestSizeLimitAttribute(limits.MaxImportBytes))
            .WithSummary("Import a hash list (text/csv with header signal,hash,label,source, or application/x-ndjson); rows already banked are skipped.")
            .Produces<ImportSummary>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        banks.MapDelete("/{bank}/hashes/{signal}/{**hash}", RemoveAsync)
            .WithSummary("Remove a hash from a bank (every entry of it); it stops matching at once.")
            .Produces(StatusCodes.Status204NoContent)
            .ProducesProblem(StatusCodes.Status404NotFound);
        banks.MapGet("", ListAsync)
            .WithSummary("Every bank with its hash counts per signal.")
            .Produces<IReadOnlyList<BankSummary>>();
        banks.MapGet("/{bank}", GetAsync)
            .WithSummary("One bank's hash counts per signal, stream version and last change.")
            .Produces<BankSummary>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    private static async Task<IResult> ImportAsync(
        string bank, long? firstRow, HttpContext http, EventStore.EventStore store, BankMatcher matcher, TimeProvider time,
        IOptions<BankOptions> options, CancellationToken ct)
    {
        if (!Bank.IsValidName(bank))
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["bank"] = [Bank.NameRule] });
        if (bank == Bank.Removed)
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["bank"] = ["The removed bank is fed by confirmed takedowns only; import into another bank."] });
        if (firstRow is < 1)
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["firstRow"] = ["Rows are numbered from 1."] });
        var contentType = http.Request.ContentType;
        var csv = ImportBody.IsCsv(contentType);
        if (!csv && !ImportBody.IsNdjson(contentType))
        {
            return Results.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported hash list format.",
                detail: $"Send text/csv (header signal,hash,label,source) or {ImportBody.Ndjson} (one {{\"signal\",\"hash\",\"label\",\"source\"}} per line).");
        }

        var limits = options.Value;
        var import = new BankImport(store, matcher, http.ToEventContext(), time, bank);
        var rejected = new ImportRejections(limits.MaxReportedErrors);
        long? lastRow = null;
        try
        {
            await foreach (var row in HashListReader.ReadAsync(http.Request.Body, csv, firstRow, ct))
            {
                lastRow = row.Row;
                if (row.Hash is null)
                {
                    rejected.Add(row.Row, row.Error!);
                    continue;
                }
                await import.AddAsync(row.Hash, limits.ImportBatchRows, ct);
            }
        }
        catch (ImportHeaderException e)
        {
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["body"] = [e.Message] });
        }
        await import.FlushAsync(ct);
        return Results.Ok(new ImportSummary(bank, import.Accepted, import.Duplicates, rejected.Listed, rejected.Total, lastRow));
    }

    private static async Task<IResult> RemoveAsync(
        string bank, string signal, string hash, HttpContext http, EventStore.EventStore store, BankMatcher matcher, TimeProvider time, CancellationToken ct)
    {
        if (!Bank.IsValidName(bank))
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["bank"] = [Bank.NameRule] });
        if (Bank.Validate(signal, Uri.UnescapeDataString(hash), null, null, out var banked) is { } error)
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["hash"] = [error] });

        await using var session = store.Begin(http.ToEventContext());
        var decided = await BankCatalogue.DecideAsync(session, bank, matcher, async () => new RemoveHash(
            banked.Signal, banked.Value, await BankCatalogue.ContainsAsync(session, bank, banked.Signal, banked.Value, ct), http.User.Actor(), time.GetUtcNow()), ct);
        if (decided.NewEvents.Count == 0)
            return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Hash not in bank.", detail: $"Bank '{bank}' holds no {banked.Signal} hash {banked.Value}.");
        await session.CommitAsync(ct);
        return Results.NoContent();
    }

    private static async Task<IResult> ListAsync(EventStore.EventStore store, CancellationToken ct) =>
        Results.Ok(await BankCatalogue.SummariesAsync(store.DataSource, store.Schema, null, ct));

    private static async Task<IResult> GetAsync(string bank, EventStore.EventStore store, CancellationToken ct)
    {
        if (!Bank.IsValidName(bank))
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["bank"] = [Bank.NameRule] });
        var found = await BankCatalogue.SummariesAsync(store.DataSource, store.Schema, bank, ct);
        return found.Count == 1
            ? Results.Ok(found[0])
            : Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such bank.", detail: $"There is no bank '{bank}'.");
    }
}

/// <summary>
/// Appends an import's good rows in transactions of a fixed size, each de-duplicated against the bank under the
/// bank's lock; each committed batch reaches this replica's matcher at once (<see cref="BankCatalogue.DecideAsync"/>).
/// </summary>
public sealed class BankImport(EventStore.EventStore store, BankMatcher matcher, EventContext context, TimeProvider time, string bank)
{
    private readonly List<BankHash> _pending = [];

    public long Accepted { get; private set; }
    public long Duplicates { get; private set; }

    public async Task AddAsync(BankHash hash, int batchRows, CancellationToken ct)
    {
        _pending.Add(hash);
        if (_pending.Count >= batchRows)
            await FlushAsync(ct);
    }

    public async Task FlushAsync(CancellationToken ct)
    {
        if (_pending.Count == 0)
            return;
        BankHash[] batch = [.. _pending];
        await using var session = store.Begin(context);
        var decided = await BankCatalogue.DecideAsync(session, bank, matcher, async () => new AddHashes(
            batch, null, await BankCatalogue.ExistingAsync(session, bank, null, [.. batch.Select(h => (h.Signal, h.Value)).Distinct()], ct), time.GetUtcNow()), ct);
        if (decided.NewEvents.Count > 0)
            await session.CommitAsync(ct);
        Accepted += decided.NewEvents.Count;
        Duplicates += batch.Length - decided.NewEvents.Count;
        _pending.Clear();
    }
}
