using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Takedown.Testing;
using Takedown.Tests.Http;
using Xunit.Abstractions;

namespace Takedown.Tests.Reports;

/// <summary>
/// A body of JSON lines written as it is sent (chunked, never held whole), with a hook after every thousand rows and,
/// optionally, the connection cut after a given row, as a client killed mid-upload would.
/// </summary>
internal sealed class GeneratedRows(int from, int to, Func<int, string> row, Func<int, Task>? everyThousand = null, int? cutAfter = null) : HttpContent
{
    public GeneratedRows Ndjson()
    {
        Headers.ContentType = new MediaTypeHeaderValue("application/x-ndjson");
        return this;
    }

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
    {
        var buffer = new StringBuilder();
        for (var i = from; i <= to; i++)
        {
            buffer.Append(row(i)).Append('\n');
            if (i % 1000 == 0 || i == to)
            {
                var bytes = Encoding.UTF8.GetBytes(buffer.ToString());
                buffer.Clear();
                await stream.WriteAsync(bytes);
                await stream.FlushAsync();
                if (everyThousand is not null)
                    await everyThousand(i);
            }
            if (i == cutAfter)
                throw new IOException($"client stopped after row {i}");
        }
    }

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }
}

/// <summary>Runs alone, after the parallel tests: the memory bound is read off this process's heap, which they share.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MeasuredAlone
{
    public const string Name = "measured alone";
}

/// <summary>100,000 reports in one streamed upload: bad rows among them, an upload cut off and resumed, the file sent again.</summary>
[Collection(MeasuredAlone.Name)]
public sealed class BulkImportTests(KestrelIngestFixture fixture, ITestOutputHelper output) : IClassFixture<KestrelIngestFixture>
{
    private const int Rows = 100_000;
    // Rows the server ignores but has to read: ~1 KB a row makes the body ~100 MB, so a server that held it would show.
    private static readonly string Padding = new('p', 900);

    private static bool Bad(int i) => i % 1000 is 0 or 500;

    private static int GoodBetween(int first, int last) => Enumerable.Range(first, last - first + 1).Count(i => !Bad(i));

    private async Task<long> CommittedAsync(string run)
    {
        await using var command = fixture.Database.DataSource.CreateCommand(
            "SELECT count(*) FROM ingest.mt_events WHERE type = 'report-received' AND data->>'reporterReference' LIKE $1");
        command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = run + "-%" });
        return (long)(await command.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task A_hundred_thousand_rows_stream_through_with_bounded_memory_resume_after_a_cut_and_add_nothing_when_sent_again()
    {
        var run = "B" + Guid.NewGuid().ToString("N")[..8];
        // A plain client: the test server's default client buffers a request body whole (to replay it on a redirect).
        using var client = new HttpClient { BaseAddress = fixture.Ingest.Client.BaseAddress, Timeout = TimeSpan.FromMinutes(5) };
        string Row(int i) => (i % 1000) switch
        {
            0 => $$"""{"url":"not a url","reporterReference":"{{run}}-{{i}}"}""",
            500 => "{\"url\": \"https://forum.example/broken",
            _ => $$"""{"url":"https://forum.example/{{run}}/{{i}}","platform":"forum.example","reporterReference":"{{run}}-{{i}}","text":"post {{i}}","note":"{{Padding}}"}""",
        };
        // The process's live managed heap (after a full collection) while rows stream in: this process hosts the server.
        var baseline = GC.GetTotalMemory(forceFullCollection: true);
        var clock = Stopwatch.StartNew();
        long peak = 0;
        async Task Sample(int row)
        {
            if (row % 10_000 == 0)
            {
                peak = Math.Max(peak, GC.GetTotalMemory(forceFullCollection: true) - baseline);
                output.WriteLine($"row {row} sent at {clock.Elapsed.TotalSeconds:F1} s: {await CommittedAsync(run)} committed");
            }
        }

        // 1. Cut off after row 60,000; before the cut, the rows up to 50,000 are committed while the body is still open.
        var cut = new GeneratedRows(1, Rows, Row, async row =>
        {
            await Sample(row);
            if (row == 60_000)
                await Eventually.UntilAsync(() => CommittedAsync(run), n => n >= GoodBetween(1, 50_000), what: "rows committed during the upload", timeout: TimeSpan.FromSeconds(60));
        }, cutAfter: 60_000).Ndjson();
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => ReportImportTests.ImportAsync(client, cut));
        var firstPass = clock.Elapsed;
        // The server finishes the batch it was committing when the body broke off, then stops: what it has is final.
        var beforeResume = await Eventually.UntilAsync(async () => (await CommittedAsync(run), await Task.Delay(500).ContinueWith(_ => CommittedAsync(run)).Unwrap()),
            counts => counts.Item1 == counts.Item2, what: "the cut-off upload settled");
        var committed = beforeResume.Item1;

        // 2. Resumed from row 50,001: rows the cut-off upload committed count as duplicates, the rest are accepted.
        var (status, resumed, body) = await ReportImportTests.ImportAsync(client, new GeneratedRows(50_001, Rows, Row, Sample).Ndjson(), firstRow: 50_001);
        Assert.True(status == HttpStatusCode.OK, body);
        var secondPass = clock.Elapsed - firstPass;

        // 3. The whole file again: nothing added.
        var (againStatus, again, againBody) = await ReportImportTests.ImportAsync(client, new GeneratedRows(1, Rows, Row, Sample).Ndjson());
        Assert.True(againStatus == HttpStatusCode.OK, againBody);
        var thirdPass = clock.Elapsed - firstPass - secondPass;
        output.WriteLine($"cut-off upload {firstPass.TotalSeconds:F1} s ({committed} committed), resume {secondPass.TotalSeconds:F1} s, full re-send {thirdPass.TotalSeconds:F1} s; peak live heap above baseline {peak / (1024 * 1024)} MiB");

        var good = GoodBetween(1, Rows);
        Assert.Equal(good, await CommittedAsync(run));
        Assert.Equal((good - committed, committed - GoodBetween(1, 50_000), 100L, (long?)Rows),
            (resumed!.Accepted, resumed.Duplicates, resumed.RejectedTotal, resumed.LastRow));
        Assert.Equal((0L, (long)good, 200L, (long?)Rows), (again!.Accepted, again.Duplicates, again.RejectedTotal, again.LastRow));
        Assert.Equal(200, again.Rejected.Count);
        Assert.Equal([500L, 1000L], again.Rejected.Take(2).Select(r => r.Row));
        Assert.StartsWith("not a report object: ", again.Rejected[0].Error);
        Assert.Equal("url: Must be an absolute http or https URL. platform: A platform name is required: letters, digits, '.', '-' or '_', at most 64 characters.", again.Rejected[1].Error);
        // Each upload streamed ~100 MB; the server never held more than a batch of it.
        Assert.True(peak < 48L * 1024 * 1024, $"live managed heap grew by {peak / (1024 * 1024)} MiB during the import");
    }
}
