extern alias reupload;

using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Takedown.Fingerprints.Text;
using Takedown.Testing;
using Signals = reupload::Takedown.ReuploadDetection.Fingerprinting.Signals;

namespace Takedown.Tests.Banks;

public sealed record RejectedRowView(long Row, string Error);

public sealed record ImportSummaryView(string Bank, long Accepted, long Duplicates, IReadOnlyList<RejectedRowView> Rejected, long RejectedTotal, long? LastRow);

public sealed record BankSummaryView(string Name, long Hashes, Dictionary<string, long> Signals, long Version, DateTimeOffset UpdatedAt);

public sealed record MatchFoundView(string Signal, string Hash, string MatchedHash, int Distance, string Bank, string Label, string Source, Guid? ContentId);

public sealed record MatchResponseView(IReadOnlyList<MatchFoundView> Matches);

/// <summary>ReuploadDetection hosts (replicas of one deployment) on a fresh database and virtual host.</summary>
public sealed class BankHosts : IAsyncLifetime
{
    public const string AdminKey = "test-bootstrap-admin-key";

    private readonly List<IDisposable> _factories = [];

    public TestDatabase Database { get; private set; } = null!;
    public TestVirtualHost VirtualHost { get; private set; } = null!;
    public HttpClient First { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Database = await TestDatabase.CreateAsync();
        VirtualHost = await TestVirtualHost.CreateAsync();
        First = await StartAsync();
    }

    /// <summary>Another replica: loads the banks from the catalogue when it starts, then follows the streams.</summary>
    public async Task<HttpClient> StartAsync()
    {
        var factory = new WebApplicationFactory<reupload::Program>().WithWebHostBuilder(host =>
        {
            host.UseEnvironment("Testing");
            host.UseSetting("ConnectionStrings:Postgres", Database.ConnectionString);
            host.UseSetting("RabbitMq:VirtualHost", VirtualHost.Name);
            host.UseSetting("Auth:BootstrapAdminKey", AdminKey);
            host.UseSetting("Takedown:Banks:ImportBatchRows", "3");
        });
        _factories.Add(factory);
        var client = factory.CreateClient();
        await Eventually.UntilAsync(async () => (await client.GetAsync("/health/ready")).StatusCode, s => s == HttpStatusCode.OK, what: "readiness");
        return client;
    }

    public async Task DisposeAsync()
    {
        foreach (var factory in _factories)
            factory.Dispose();
        await VirtualHost.DisposeAsync();
        await Database.DisposeAsync();
    }
}

public sealed class BankTests(BankHosts hosts) : IClassFixture<BankHosts>
{
    private static readonly string Pdq = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22";

    private static string UniqueBank() => "list-" + Guid.NewGuid().ToString("N")[..12];

    private static string Hex(int bytes) => Convert.ToHexStringLower(Guid.NewGuid().ToByteArray().Concat(Guid.NewGuid().ToByteArray()).ToArray()[..bytes]);

    private static async Task<(HttpStatusCode Status, ImportSummaryView? Summary, string Body)> ImportAsync(
        HttpClient client, string bank, string body, string contentType, long? firstRow = null, string? key = BankHosts.AdminKey)
    {
        var path = $"/api/v1/banks/{bank}/hashes:import" + (firstRow is null ? "" : $"?firstRow={firstRow}");
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        if (key is not null)
            request.Headers.Add("X-Api-Key", key);
        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, response.StatusCode == HttpStatusCode.OK ? System.Text.Json.JsonSerializer.Deserialize<ImportSummaryView>(text, System.Text.Json.JsonSerializerOptions.Web) : null, text);
    }

    private static async Task<ImportSummaryView> ImportOkAsync(HttpClient client, string bank, string body, string contentType = "text/csv", long? firstRow = null)
    {
        var (status, summary, text) = await ImportAsync(client, bank, body, contentType, firstRow);
        Assert.True(status == HttpStatusCode.OK, text);
        return summary!;
    }

    private static async Task<IReadOnlyList<MatchFoundView>> MatchAsync(HttpClient client, object body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/match") { Content = JsonContent.Create(body) };
        request.Headers.Add("X-Api-Key", BankHosts.AdminKey);
        using var response = await client.SendAsync(request);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<MatchResponseView>())!.Matches;
    }

    private static Task<IReadOnlyList<MatchFoundView>> MatchHashAsync(HttpClient client, string signal, string hash) =>
        MatchAsync(client, new { hashes = new[] { new { signal, hash } } });

    private static async Task<BankSummaryView?> BankAsync(HttpClient client, string bank)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/banks/{bank}");
        request.Headers.Add("X-Api-Key", BankHosts.AdminKey);
        using var response = await client.SendAsync(request);
        return response.StatusCode == HttpStatusCode.NotFound ? null : await response.Content.ReadFromJsonAsync<BankSummaryView>();
    }

    private static async Task<HttpStatusCode> RemoveAsync(HttpClient client, string bank, string signal, string hash)
    {
        using var request = new HttpRequestMessage(HttpMethod.Delete, $"/api/v1/banks/{bank}/hashes/{signal}/{Uri.EscapeDataString(hash)}");
        request.Headers.Add("X-Api-Key", BankHosts.AdminKey);
        using var response = await client.SendAsync(request);
        return response.StatusCode;
    }

    [Fact]
    public async Task A_csv_import_keeps_the_good_rows_and_reports_each_bad_one_by_its_line()
    {
        var bank = UniqueBank();
        var sha = Hex(32);
        var md5 = Hex(16);
        var csv = $""""
            signal,hash,label,source
            pdq,{Pdq.ToUpperInvariant()},"beheading video, cut",gifct
            media-sha256,{sha},propaganda,gifct
            media-md5,{md5[..30]},short,gifct
            media-md5,{md5},,
            sound,{sha},x,y

            url,https://Example.ORG/Post/1#top,"quoted ""label""",tat
            text-minhash,abc,odd,tat
            text-sha256,{sha},{new string('l', 201)},tat
            media-sha256,{sha},"unterminated,tat
            text-minhash,{Hex(16)}
            """";

        var summary = await ImportOkAsync(hosts.First, bank, csv);

        Assert.Equal(4, summary.Accepted);
        Assert.Equal(0, summary.Duplicates);
        Assert.Equal(12, summary.LastRow);
        Assert.Equal(6, summary.RejectedTotal);
        Assert.Equal(
        [
            new RejectedRowView(4, "a media-md5 hash is 32 hexadecimal digits."),
            new RejectedRowView(6, "unknown signal 'sound'; one of pdq, vpdq, media-sha256, media-md5, text-sha256, text-minhash, url."),
            new RejectedRowView(9, "a text-minhash hash is a text fingerprint: 32 or 544 hexadecimal digits."),
            new RejectedRowView(10, "label is longer than 200 characters."),
            new RejectedRowView(11, "unterminated quoted field (a field cannot span lines)."),
            new RejectedRowView(12, "expected 4 fields, found 2."),
        ], summary.Rejected);

        var found = (await BankAsync(hosts.First, bank))!;
        Assert.Equal(4, found.Hashes);
        Assert.Equal(new Dictionary<string, long> { ["media-md5"] = 1, ["media-sha256"] = 1, ["pdq"] = 1, ["url"] = 1 }, found.Signals);
        var url = Assert.Single(await MatchAsync(hosts.First, new { url = "HTTPS://example.org/Post/1" }));
        Assert.Equal(("https://example.org/Post/1", "quoted \"label\"", "tat"), (url.MatchedHash, url.Label, url.Source));
        var pdq = Assert.Single(await MatchHashAsync(hosts.First, "pdq", Pdq));
        Assert.Equal(("beheading video, cut", 0), (pdq.Label, pdq.Distance));
    }

    [Fact]
    public async Task An_ndjson_import_reports_lines_that_are_not_hash_objects_and_keeps_the_rest()
    {
        var bank = UniqueBank();
        var sha = Hex(32);
        var ndjson = string.Join('\n',
            $$"""{"signal":"media-sha256","hash":"{{sha}}","label":"flag video","source":"tat"}""",
            "{\"signal\":\"media-sha256\",\"hash\":",
            $$"""{"signal":"media-md5","hash":12345}""",
            "",
            $$"""["media-md5","{{Hex(16)}}"]""",
            $$"""{"signal":"text-minhash","hash":"{{Hex(16)}}"}""");

        var summary = await ImportOkAsync(hosts.First, bank, ndjson, "application/x-ndjson");

        Assert.Equal((2, 0, 6L, 3L), (summary.Accepted, summary.Duplicates, summary.LastRow, summary.RejectedTotal));
        Assert.Equal(new long[] { 2, 3, 5 }, summary.Rejected.Select(r => r.Row));
        Assert.StartsWith("not valid JSON", summary.Rejected[0].Error);
        Assert.Equal("\"hash\" must be a string.", summary.Rejected[1].Error);
        Assert.Equal("expected a JSON object {\"signal\",\"hash\",\"label\",\"source\"}.", summary.Rejected[2].Error);
        var match = Assert.Single(await MatchHashAsync(hosts.First, "media-sha256", sha.ToUpperInvariant()));
        Assert.Equal(new MatchFoundView("media-sha256", sha, sha, 0, bank, "flag video", "tat", null), match);
    }

    [Fact]
    public async Task Importing_the_same_file_again_adds_nothing_and_a_resumed_piece_keeps_the_file_row_numbers()
    {
        var bank = UniqueBank();
        var hashes = Enumerable.Range(0, 8).Select(_ => Hex(32)).ToArray();
        var csv = "signal,hash,label,source\n" + string.Join('\n', hashes.Select(h => $"media-sha256,{h},list,tat"));
        // The batch size in these hosts is 3 rows: this import is three transactions, and its last row repeats its first.
        var withRepeat = csv + $"\nmedia-sha256,{hashes[0]},again,tat";

        var first = await ImportOkAsync(hosts.First, bank, withRepeat);
        var again = await ImportOkAsync(hosts.First, bank, withRepeat);

        Assert.Equal((8, 1, 10L), (first.Accepted, first.Duplicates, first.LastRow));
        Assert.Equal((0, 9, 10L), (again.Accepted, again.Duplicates, again.LastRow));
        var bankNow = (await BankAsync(hosts.First, bank))!;
        Assert.Equal((8L, 8L), (bankNow.Hashes, bankNow.Version)); // one event per accepted row

        // A client resuming at line 9 of its file sends the header and the rest, saying where they start.
        var newHash = Hex(32);
        var rest = $"signal,hash,label,source\nmedia-sha256,{hashes[7]},list,tat\nmedia-sha256,nope,list,tat\nmedia-sha256,{newHash},list,tat";
        var resumed = await ImportOkAsync(hosts.First, bank, rest, firstRow: 9);

        Assert.Equal((1, 1, 11L), (resumed.Accepted, resumed.Duplicates, resumed.LastRow));
        Assert.Equal([new RejectedRowView(10, "a media-sha256 hash is 64 hexadecimal digits.")], resumed.Rejected);
        Assert.Equal(9, (await BankAsync(hosts.First, bank))!.Hashes);
    }

    [Fact]
    public async Task An_imported_hash_matches_on_this_replica_when_the_import_returns_and_on_another_within_a_second()
    {
        var other = await hosts.StartAsync();
        var bank = UniqueBank();
        var sha = Hex(32);

        await ImportOkAsync(hosts.First, bank, $"signal,hash,label,source\nmedia-sha256,{sha},fresh,tat");
        var sinceImport = Stopwatch.StartNew();

        Assert.Single(await MatchHashAsync(hosts.First, "media-sha256", sha));
        await Eventually.UntilAsync(() => MatchHashAsync(other, "media-sha256", sha), m => m.Count == 1, TimeSpan.FromSeconds(5), "the hash on the other replica");
        Assert.True(sinceImport.Elapsed < TimeSpan.FromSeconds(1), $"matchable on the other replica after {sinceImport.Elapsed.TotalMilliseconds:0} ms");
    }

    [Fact]
    public async Task A_removed_hash_stops_matching_everywhere_and_can_be_banked_again()
    {
        var other = await hosts.StartAsync();
        var bank = UniqueBank();
        var url = $"https://example.org/{Guid.NewGuid():N}?a=1";
        await ImportOkAsync(hosts.First, bank, $"signal,hash,label,source\nurl,{url},mistake,tat\npdq,{Hex(32)},keep,tat");
        await Eventually.UntilAsync(() => MatchAsync(other, new { url }), m => m.Count == 1, TimeSpan.FromSeconds(5), "the url on the other replica");

        Assert.Equal(HttpStatusCode.NoContent, await RemoveAsync(hosts.First, bank, "url", url));

        Assert.Empty(await MatchAsync(hosts.First, new { url }));
        await Eventually.UntilAsync(() => MatchAsync(other, new { url }), m => m.Count == 0, TimeSpan.FromSeconds(5), "the removal on the other replica");
        Assert.Equal(HttpStatusCode.NotFound, await RemoveAsync(hosts.First, bank, "url", url));
        Assert.Equal(new Dictionary<string, long> { ["pdq"] = 1 }, (await BankAsync(hosts.First, bank))!.Signals);

        var again = await ImportOkAsync(hosts.First, bank, $"signal,hash,label,source\nurl,{url},confirmed,tat");
        Assert.Equal(1, again.Accepted);
        Assert.Equal("confirmed", Assert.Single(await MatchAsync(hosts.First, new { url })).Label);
        await Eventually.UntilAsync(() => MatchAsync(other, new { url }), m => m.Count == 1, TimeSpan.FromSeconds(5), "the re-banked url on the other replica");
    }

    [Fact]
    public async Task Match_finds_near_pdq_hashes_with_their_distance_and_text_by_its_fingerprint()
    {
        var bank = UniqueBank();
        const string text = "بيان صادر عن المكتب الإعلامي " + "رقم ٧";
        var textHash = Signals.OfText(text).Single(f => f.Signal == Signals.TextSha256).Value;
        // Flip 3 bits of a distinct PDQ hash; another 40 bits away must not match at the default threshold of 31.
        var banked = Hex(32);
        var near = FlipBits(banked, 3);
        var far = FlipBits(banked, 40);
        await ImportOkAsync(hosts.First, bank, $"signal,hash,label,source\npdq,{banked},near-dup,gifct\ntext-sha256,{textHash},statement,tat");

        var pdq = Assert.Single(await MatchHashAsync(hosts.First, "pdq", near));
        Assert.Equal(new MatchFoundView("pdq", near, banked, 3, bank, "near-dup", "gifct", null), pdq);
        Assert.Empty(await MatchHashAsync(hosts.First, "pdq", far));

        // Diacritics and spacing are normalised away, as for a submission's text.
        var byText = Assert.Single(await MatchAsync(hosts.First, new { text = "  بَيَان صادر عن المكتب الإعلامي رقم ٧ " }));
        Assert.Equal(("text-sha256", textHash, "statement"), (byText.Signal, byText.MatchedHash, byText.Label));
    }

    [Fact]
    public async Task A_url_is_banked_and_looked_up_in_its_canonical_form()
    {
        var bank = UniqueBank();
        var video = Guid.NewGuid().ToString("N")[..11];
        var post = Guid.NewGuid().ToString("N");
        var csv = $"""
            signal,hash,label,source
            url,https://m.youtube.com/watch?feature=share&v={video}&utm_source=tg,video,tat
            url,https://youtu.be/{video}?si=abc,same video,tat
            url,HTTP://WWW.Example.org/{post}/?utm_campaign=x&b=2&a=1#top,forum post,tat
            url,ftp://example.org/file,not http,tat
            """;

        var summary = await ImportOkAsync(hosts.First, bank, csv);

        // The short link is the same video as the watch URL: one hash, one duplicate.
        Assert.Equal((2, 1, 1L), (summary.Accepted, summary.Duplicates, summary.RejectedTotal));
        Assert.Equal([new RejectedRowView(5, "a url is an absolute http or https URL of at most 4096 characters.")], summary.Rejected);
        var byShorts = Assert.Single(await MatchAsync(hosts.First, new { url = $"https://www.youtube.com/shorts/{video}" }));
        Assert.Equal(($"https://www.youtube.com/watch?v={video}", $"https://www.youtube.com/watch?v={video}", "video"), (byShorts.Hash, byShorts.MatchedHash, byShorts.Label));
        var forum = Assert.Single(await MatchAsync(hosts.First, new { url = $"https://www.example.org/{post}?b=2&a=1" }));
        Assert.Equal($"https://www.example.org/{post}?a=1&b=2", forum.MatchedHash);

        // Removal names the hash in any of its forms.
        Assert.Equal(HttpStatusCode.NoContent, await RemoveAsync(hosts.First, bank, "url", $"https://youtu.be/{video}"));
        Assert.Empty(await MatchAsync(hosts.First, new { url = $"https://www.youtube.com/watch?v={video}" }));
    }

    [Fact]
    public async Task Imported_text_fingerprints_match_reposts_of_their_text_and_not_other_texts_on_the_same_event()
    {
        var bank = UniqueBank();
        var banked = TextFingerprint.Of(TextSamples.Statement)!;
        var repost = TextFingerprint.Of(TextSamples.StatementReposted)!;
        var ndjson = $$"""
            {"signal":"text-minhash","hash":"{{banked.ToHex().ToUpperInvariant()}}","label":"statement","source":"tat"}
            {"signal":"text-minhash","hash":"{{banked.ToHex()[..100]}}","label":"cut short","source":"tat"}
            """;

        var summary = await ImportOkAsync(hosts.First, bank, ndjson, "application/x-ndjson");

        Assert.Equal((1, 0), (summary.Accepted, summary.Duplicates));
        Assert.Equal([new RejectedRowView(2, "a text-minhash hash is a text fingerprint: 32 or 544 hexadecimal digits.")], summary.Rejected);
        var expected = new MatchFoundView("text-minhash", repost.ToHex(), banked.ToHex(), (int)Math.Round((1 - banked.Similarity(repost)) * 100), bank, "statement", "tat", null);
        Assert.InRange(expected.Distance, 1, 40);
        // The text is fingerprinted as a submission's text is; the fingerprint itself can be asked for too.
        Assert.Equal(expected, Assert.Single(await MatchAsync(hosts.First, new { text = TextSamples.StatementReposted }), m => m.Bank == bank));
        Assert.Equal(expected, Assert.Single(await MatchHashAsync(hosts.First, "text-minhash", repost.ToHex()), m => m.Bank == bank));
        Assert.DoesNotContain(await MatchAsync(hosts.First, new { text = TextSamples.SameEventOtherWords }), m => m.Bank == bank);
    }

    private static string FlipBits(string hex, int bits)
    {
        var bytes = Convert.FromHexString(hex);
        for (var bit = 0; bit < bits; bit++)
            bytes[bit / 8] ^= (byte)(1 << (bit % 8));
        return Convert.ToHexStringLower(bytes);
    }

    [Fact]
    public async Task A_new_replica_starts_with_every_hash_banked_before_it()
    {
        var bank = UniqueBank();
        var kept = Hex(32);
        var removed = Hex(32);
        await ImportOkAsync(hosts.First, bank, $"signal,hash,label,source\nmedia-sha256,{kept},kept,tat\nmedia-sha256,{removed},removed,tat");
        Assert.Equal(HttpStatusCode.NoContent, await RemoveAsync(hosts.First, bank, "media-sha256", removed));

        var restarted = await hosts.StartAsync();

        Assert.Equal("kept", Assert.Single(await MatchHashAsync(restarted, "media-sha256", kept)).Label);
        Assert.Empty(await MatchHashAsync(restarted, "media-sha256", removed));
    }

    [Fact]
    public async Task Bad_requests_are_problem_details_and_only_analysts_and_admins_may_import()
    {
        var body = $"signal,hash,label,source\nmedia-md5,{Hex(16)},x,y";
        Assert.Equal(HttpStatusCode.BadRequest, (await ImportAsync(hosts.First, "Not_A_Bank", body, "text/csv")).Status);
        var removedBank = await ImportAsync(hosts.First, "removed", body, "text/csv");
        Assert.Equal(HttpStatusCode.BadRequest, removedBank.Status);
        Assert.Contains("fed by confirmed takedowns", removedBank.Body);
        var header = await ImportAsync(hosts.First, UniqueBank(), "sig,hash\nmedia-md5,00", "text/csv");
        Assert.Equal(HttpStatusCode.BadRequest, header.Status);
        Assert.Contains("Unknown CSV column 'sig'", header.Body);
        var xml = await ImportAsync(hosts.First, UniqueBank(), body, "application/xml");
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, xml.Status);
        Assert.Contains("text/csv", xml.Body);

        Assert.Equal(HttpStatusCode.Unauthorized, (await ImportAsync(hosts.First, UniqueBank(), body, "text/csv", key: null)).Status);
        var reporter = await IssueKeyAsync("reporter");
        Assert.Equal(HttpStatusCode.Forbidden, (await ImportAsync(hosts.First, UniqueBank(), body, "text/csv", key: reporter)).Status);
        var analyst = await IssueKeyAsync("analyst");
        Assert.Equal(HttpStatusCode.OK, (await ImportAsync(hosts.First, UniqueBank(), body, "text/csv", key: analyst)).Status);

        using var badMatch = new HttpRequestMessage(HttpMethod.Post, "/api/v1/match") { Content = JsonContent.Create(new { hashes = new[] { new { signal = "pdq", hash = "00" } } }) };
        badMatch.Headers.Add("X-Api-Key", BankHosts.AdminKey);
        using var answer = await hosts.First.SendAsync(badMatch);
        Assert.Equal(HttpStatusCode.BadRequest, answer.StatusCode);
        Assert.Contains("a pdq hash is 64 hexadecimal digits.", await answer.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_bank_list_names_every_bank_with_its_counts()
    {
        var bank = UniqueBank();
        await ImportOkAsync(hosts.First, bank, $"signal,hash,label,source\nmedia-md5,{Hex(16)},a,b\nmedia-md5,{Hex(16)},a,b\npdq,{Hex(32)},a,b");

        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/banks");
        request.Headers.Add("X-Api-Key", BankHosts.AdminKey);
        using var response = await hosts.First.SendAsync(request);
        var banks = (await response.Content.ReadFromJsonAsync<List<BankSummaryView>>())!;

        var listed = Assert.Single(banks, b => b.Name == bank);
        Assert.Equal((3L, 2L, 1L), (listed.Hashes, listed.Signals["media-md5"], listed.Signals["pdq"]));
        Assert.Null(await BankAsync(hosts.First, UniqueBank()));
    }

    private async Task<string> IssueKeyAsync(string role)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/admin/api-keys")
        {
            Content = JsonContent.Create(new { name = $"bank-tests-{role}-{Guid.NewGuid():N}"[..30], organisation = "bank-tests", roles = new[] { role } }),
        };
        request.Headers.Add("X-Api-Key", BankHosts.AdminKey);
        using var response = await hosts.First.SendAsync(request);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<IssuedKeyView>())!.Key;
    }

    private sealed record IssuedKeyView(string Key);
}
