extern alias cli;

using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Takedown.EventStore;
using Takedown.EventStore.Evidence;
using Takedown.Tests.Cases;
using Takedown.Testing;
using CliHost = cli::Takedown.Cli.CliHost;
using TakedownCli = cli::Takedown.Cli.TakedownCli;

namespace Takedown.Tests.Evidence;

/// <summary>The Reporting host with a signing key and a heads export every second into a folder of its own.</summary>
public sealed class StreamHeadsFixture : IAsyncLifetime
{
    private TestDatabase _db = null!;
    private TestVirtualHost _vhost = null!;

    public EvidenceSigningKey Key { get; } = EvidenceSigningKey.Generate();
    public DirectoryInfo ExportDirectory { get; } = Directory.CreateTempSubdirectory("takedown-heads-");
    public ReportingHost Host { get; private set; } = null!;
    public TestDatabase Database => _db;
    public TestVirtualHost VirtualHost => _vhost;

    public async Task InitializeAsync()
    {
        _db = await TestDatabase.CreateAsync();
        _vhost = await TestVirtualHost.CreateAsync();
        Host = await ReportingHost.StartAsync(_db, _vhost, TimeProvider.System, host =>
        {
            host.UseSetting("Evidence:SigningKey", Key.ExportPrivateKeyPem());
            host.UseSetting("Evidence:HeadsExportDirectory", ExportDirectory.FullName);
            host.UseSetting("Evidence:HeadsExportInterval", "00:00:01");
        });
    }

    public async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        await _vhost.DisposeAsync();
        await _db.DisposeAsync();
        Key.Dispose();
        ExportDirectory.Delete(recursive: true);
    }
}

/// <summary>
/// Signed exports of the case streams' heads, on a schedule and on request, and the rewrite of a whole chain by
/// someone with database access: invisible to the chain's own audit, caught against an earlier export.
/// </summary>
public sealed class StreamHeadsTests(StreamHeadsFixture fixture) : IClassFixture<StreamHeadsFixture>
{
    private ReportingHost Host => fixture.Host;

    private static DateTimeOffset Now => ManualTimeProvider.WholeSecond(DateTimeOffset.UtcNow);

    [Fact]
    public async Task The_scheduled_export_writes_signed_heads_naming_each_case_streams_last_version_and_hash()
    {
        var id = await Seed.CaseAsync(Host, Now, TimeSpan.FromHours(24), Now.AddMinutes(-10));
        var head = await HeadAsync(id);

        // Exports run every second: wait for one written after the case's third event.
        var heads = await Eventually.UntilAsync(() => Task.FromResult(LatestExportHolding($"case-{id}")), h => h is not null, what: "an export holding the case");

        Assert.Equal(("reporting", new StreamHead($"case-{id}", 3, head)), (heads!.Schema, heads.Streams.Single(s => s.StreamId == $"case-{id}")));
        var name = Path.GetFileName(Directory.GetFiles(fixture.ExportDirectory.FullName, "*.json").Order(StringComparer.Ordinal).Last());
        Assert.Matches(@"^reporting-stream-heads-\d{8}T\d{9}Z\.json$", name);
    }

    [Fact]
    public async Task A_chain_rewritten_whole_passes_its_own_audit_but_not_the_heads_exported_before()
    {
        var admin = await Host.IssueKeyAsync("takedown-ops", "admin");
        var untouched = await Seed.CaseAsync(Host, Now, TimeSpan.FromHours(24), Now.AddMinutes(-10));
        var id = await Seed.CaseAsync(Host, Now, TimeSpan.FromHours(24), Now.AddMinutes(-10));
        var folder = Directory.CreateTempSubdirectory("takedown-heads-cli-");
        try
        {
            var exported = Path.Combine(folder.FullName, "heads.json");
            await File.WriteAllBytesAsync(exported, await GetHeadsAsync(admin));
            var before = await HeadAsync(id);

            // What someone with database access can do: edit the report, then compute every link again, in order.
            await fixture.Database.ExecuteAsync(
                $$"""
                UPDATE reporting.mt_events SET data = jsonb_set(data, '{platform}', '"forged"') WHERE stream_id = 'case-{{id}}' AND version = 1;
                DO $$
                DECLARE r record; previous bytea := ''::bytea; link bytea;
                BEGIN
                    FOR r IN SELECT version, stream_id, type, data, timestamp FROM reporting.mt_events WHERE stream_id = 'case-{{id}}' ORDER BY version LOOP
                        link := sha256(previous || convert_to(r.stream_id, 'UTF8') || '\x00'::bytea || int8send(r.version) || convert_to(r.type, 'UTF8')
                            || '\x00'::bytea || convert_to(r.data::text, 'UTF8') || '\x00'::bytea
                            || int8send((extract(epoch FROM r.timestamp) * 1000000)::bigint));
                        UPDATE reporting.mt_events SET headers = headers || jsonb_build_object('hash', encode(link, 'hex'))
                            WHERE stream_id = r.stream_id AND version = r.version;
                        previous := link;
                    END LOOP;
                END $$;
                """);
            var after = await HeadAsync(id);
            Assert.NotEqual(before, after);
            Assert.Equal(new AuditResult($"case-{id}", true, 3, null, null),
                await AuditChain.VerifyStreamAsync(Host.Store.DataSource, "reporting", $"case-{id}", CancellationToken.None));

            var verified = await RunCliAsync("audit", "verify", "--heads", exported, "--postgres", fixture.Database.ConnectionString, "--public-key", await KeyFileAsync(folder));

            Assert.Equal(4, verified.ExitCode);
            var streams = JsonDocument.Parse(JsonDocument.Parse(await File.ReadAllBytesAsync(exported)).RootElement.GetProperty("heads").GetString()!)
                .RootElement.GetProperty("streams").GetArrayLength();
            Assert.Equal(
            [
                $"REWRITTEN reporting case-{id} at version 3: the hash of version 3 is {after}, the export recorded {before}: the chain was rewritten",
                $"reporting: {await StreamCountAsync()} streams, {await EventCountAsync()} events, 0 broken",
                $"reporting: {streams} heads exported at {ExportedAt(exported):O} compared, 1 no longer match",
            ], verified.Lines);
            Assert.DoesNotContain(verified.Lines, line => line.Contains(untouched.ToString(), StringComparison.Ordinal));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Heads_edited_after_export_or_signed_by_another_key_are_rejected()
    {
        var admin = await Host.IssueKeyAsync("takedown-ops", "admin");
        await Seed.CaseAsync(Host, Now, TimeSpan.FromHours(24), Now.AddMinutes(-10));
        var folder = Directory.CreateTempSubdirectory("takedown-heads-cli-");
        try
        {
            var signed = JsonSerializer.Deserialize<SignedStreamHeads>(await GetHeadsAsync(admin), JsonSerializerOptions.Web)!;
            var edited = Path.Combine(folder.FullName, "edited.json");
            await File.WriteAllTextAsync(edited, JsonSerializer.Serialize(signed with { Heads = signed.Heads.Replace("\"version\": 3", "\"version\": 2", StringComparison.Ordinal) }, JsonSerializerOptions.Web));
            using var other = EvidenceSigningKey.Generate();
            var resigned = Path.Combine(folder.FullName, "resigned.json");
            await File.WriteAllBytesAsync(resigned, StreamHeadsExport.Serialize(StreamHeadsExport.Sign(StreamHeadsExport.Open(await GetHeadsAsync(admin), null), other)));
            var key = await KeyFileAsync(folder);

            var editedResult = await RunCliAsync("audit", "verify", "--heads", edited, "--postgres", fixture.Database.ConnectionString);
            var resignedResult = await RunCliAsync("audit", "verify", "--heads", resigned, "--postgres", fixture.Database.ConnectionString, "--public-key", key);

            Assert.Equal(4, editedResult.ExitCode);
            Assert.Equal(["REJECTED edited.json: the signature does not verify: the heads were changed after they were exported."], editedResult.Lines);
            Assert.Equal(4, resignedResult.ExitCode);
            Assert.Equal([$"REJECTED resigned.json: signed by key {other.PublicKey.KeyId}, not the pinned key {fixture.Key.PublicKey.KeyId}."], resignedResult.Lines);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Without_a_signing_key_bundles_and_heads_answer_503_naming_the_setting()
    {
        await using var unsigned = await ReportingHost.StartAsync(fixture.Database, fixture.VirtualHost, TimeProvider.System);
        var analyst = await unsigned.IssueKeyAsync("takedown-analysts", "analyst");
        var admin = await unsigned.IssueKeyAsync("takedown-ops", "admin");
        var id = await Seed.CaseAsync(unsigned, Now, TimeSpan.FromHours(24), null);

        using var bundle = await SendAsync(unsigned, $"/api/v1/cases/{id}/evidence-bundle", analyst);
        using var heads = await SendAsync(unsigned, "/api/v1/admin/audit/heads", admin);

        foreach (var response in new[] { bundle, heads })
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("No signing key is configured: set Evidence__SigningKey (an ECDSA P-256 private key, PEM or base64 PKCS#8) or Evidence__SigningKeyFile.",
                problem.GetProperty("detail").GetString());
        }
    }

    private StreamHeads? LatestExportHolding(string streamId)
    {
        foreach (var file in Directory.GetFiles(fixture.ExportDirectory.FullName, "*.json").Order(StringComparer.Ordinal).Reverse())
        {
            var heads = StreamHeadsExport.Open(File.ReadAllBytes(file), fixture.Key.PublicKey);
            return heads.Streams.Any(s => s.StreamId == streamId && s.Version == 3) ? heads : null;
        }
        return null;
    }

    private async Task<byte[]> GetHeadsAsync(string admin)
    {
        using var response = await SendAsync(Host, "/api/v1/admin/audit/heads", admin);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsByteArrayAsync();
    }

    private static async Task<HttpResponseMessage> SendAsync(ReportingHost host, string path, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("X-Api-Key", key);
        return await host.Client.SendAsync(request);
    }

    private async Task<string> KeyFileAsync(DirectoryInfo folder)
    {
        var path = Path.Combine(folder.FullName, "deployment.pem");
        await File.WriteAllTextAsync(path, fixture.Key.PublicKey.Pem);
        return path;
    }

    private static DateTimeOffset ExportedAt(string file) => StreamHeadsExport.Open(File.ReadAllBytes(file), null).GeneratedAt;

    private async Task<string> HeadAsync(Guid id) =>
        (string)(await ScalarAsync($"SELECT headers->>'hash' FROM reporting.mt_events WHERE stream_id = 'case-{id}' ORDER BY version DESC LIMIT 1"))!;

    private async Task<long> StreamCountAsync() => (long)(await ScalarAsync("SELECT count(*) FROM reporting.mt_streams"))!;

    private async Task<long> EventCountAsync() => (long)(await ScalarAsync("SELECT count(*) FROM reporting.mt_events"))!;

    private async Task<object?> ScalarAsync(string sql)
    {
        await using var command = fixture.Database.DataSource.CreateCommand(sql);
        return await command.ExecuteScalarAsync();
    }

    private static async Task<(int ExitCode, string[] Lines)> RunCliAsync(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        using var http = new SocketsHttpHandler();
        var host = CliHost.Captured(http, stdout, stderr, _ => null, TimeProvider.System, width: 200);
        var exitCode = await TakedownCli.RunAsync(args, host);
        Assert.Equal("", stderr.ToString());
        return (exitCode, stdout.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}
