using System.IO.Compression;
using System.Text;
using Takedown.EventStore.Evidence;
using Takedown.Testing;

namespace Takedown.Cli.Tests;

/// <summary>
/// <c>takedown case export</c> against a fake Reporting, and <c>takedown audit verify --bundle</c> on bundles made from
/// events a real Marten store wrote (so the hashes are the trigger's).
/// </summary>
public sealed class EvidenceCommandTests : IAsyncLifetime
{
    private const string Schema = "evidence";
    private static readonly Guid CaseId = Guid.Parse("0b9f3c1e-5d2a-4c8e-9f10-2a6b7c8d9e01");

    private readonly FakeApi reporting = new();
    private readonly DirectoryInfo folder = Directory.CreateTempSubdirectory("takedown-cli-evidence-");
    private readonly EvidenceSigningKey key = EvidenceSigningKey.Generate();
    private TestDatabase db = null!;

    public async Task InitializeAsync()
    {
        db = await TestDatabase.CreateAsync();
        await AuditStreams.CreateAsync(db, Schema);
    }

    public async Task DisposeAsync()
    {
        reporting.Dispose();
        key.Dispose();
        folder.Delete(recursive: true);
        await db.DisposeAsync();
    }

    private string PathOf(string name) => Path.Combine(folder.FullName, name);

    /// <summary>A bundle of case-{CaseId}: three events the trigger chained, as Reporting would export them.</summary>
    private async Task<byte[]> BundleAsync()
    {
        var streamId = EvidenceBundle.StreamIdOf(CaseId);
        if (!(await ChainedEvents.ReadStreamAsync(db.DataSource, Schema, streamId, CancellationToken.None)).Events.Any())
        {
            await AuditStreams.AppendAsync(db, Schema, streamId, new ItemAdded("عميل السفارة", 1), new ItemAdded("tea", 2));
            await AuditStreams.AppendAsync(db, Schema, streamId, new ItemRemoved("tea"));
        }
        var stream = await ChainedEvents.ReadStreamAsync(db.DataSource, Schema, streamId, CancellationToken.None);
        using var output = new MemoryStream();
        EvidenceBundle.Write(output, CaseId, stream.Events, new Dictionary<string, byte[]>(), [], DateTimeOffset.Parse("2026-03-01T10:00:00Z"), key);
        return output.ToArray();
    }

    private static string? HeadOf(byte[] bundle)
    {
        using var stream = new MemoryStream(bundle);
        return EvidenceBundleVerifier.Verify(stream).ChainHead;
    }

    [Fact]
    public async Task Case_export_writes_the_zip_and_names_its_stream_version_head_and_key()
    {
        var bundle = await BundleAsync();
        reporting.Respond("GET", $"/api/v1/cases/{CaseId}/evidence-bundle", new CannedResponse(200, "", "application/zip") { Bytes = bundle });
        var zip = PathOf("case.zip");

        var result = await Cli.RunAsync(["case", "export", CaseId.ToString(), "-o", zip, "--reporting-url", reporting.BaseUrl, "--api-key", "liaison-key"]);

        Assert.Equal("", result.Error);
        Assert.Equal(0, result.ExitCode);
        Assert.Equal(bundle, await File.ReadAllBytesAsync(zip));
        var request = Assert.Single(reporting.Requests);
        Assert.Equal(("liaison-key", "application/zip"), (request.ApiKey, request.Accept));
        var head = HeadOf(bundle);
        Assert.Equal(
        [
            $"wrote {zip} ({bundle.Length} bytes)",
            $"case {CaseId}: case-{CaseId} at version 3, chain head {head}",
            $"signed by key {key.PublicKey.KeyId}; check it with: takedown audit verify --bundle {zip} --public-key KEY.pem",
        ], result.OutLines);
    }

    [Fact]
    public async Task Case_export_of_an_unconfigured_deployment_prints_the_problem_and_writes_nothing()
    {
        reporting.Respond("GET", $"/api/v1/cases/{CaseId}/evidence-bundle", new CannedResponse(503,
            """{"title":"Evidence bundles are not configured.","status":503,"detail":"No signing key is configured: set Evidence__SigningKey."}"""));
        var zip = PathOf("none.zip");

        var result = await Cli.RunAsync(["case", "export", CaseId.ToString(), "-o", zip, "--reporting-url", reporting.BaseUrl]);

        Assert.Equal(3, result.ExitCode);
        Assert.Equal(["error: 503 Evidence bundles are not configured.: No signing key is configured: set Evidence__SigningKey."], result.ErrorLines);
        Assert.False(File.Exists(zip));
    }

    [Fact]
    public async Task Audit_verify_bundle_reads_only_the_file_and_pins_the_key_when_asked()
    {
        var zip = PathOf("case.zip");
        await File.WriteAllBytesAsync(zip, await BundleAsync());
        var pinned = PathOf("deployment.pem");
        await File.WriteAllTextAsync(pinned, key.PublicKey.Pem);
        using var other = EvidenceSigningKey.Generate();
        var stranger = PathOf("other.pem");
        await File.WriteAllTextAsync(stranger, other.PublicKey.Pem);
        var head = HeadOf(await File.ReadAllBytesAsync(zip));

        var unpinned = await Cli.RunAsync(["audit", "verify", "--bundle", zip]);
        var matching = await Cli.RunAsync(["audit", "verify", "--bundle", zip, "--public-key", pinned]);
        var mismatched = await Cli.RunAsync(["audit", "verify", "--bundle", zip, "--public-key", stranger]);

        Assert.Equal((0, $"INTACT case-{CaseId}: 3 events, chain head {head}, every file as listed, manifest signed by key {key.PublicKey.KeyId} (the key the bundle carries; pin it with --public-key)"),
            (unpinned.ExitCode, Assert.Single(unpinned.OutLines)));
        Assert.Equal((0, $"INTACT case-{CaseId}: 3 events, chain head {head}, every file as listed, manifest signed by the pinned key {key.PublicKey.KeyId}"),
            (matching.ExitCode, Assert.Single(matching.OutLines)));
        Assert.Equal(4, mismatched.ExitCode);
        Assert.Equal(
        [
            $"MISMATCH public-key.pem: is key {key.PublicKey.KeyId}, not the pinned key {other.PublicKey.KeyId}",
            "case.zip: does not verify; first mismatch: public-key.pem",
        ], mismatched.OutLines);
    }

    [Fact]
    public async Task Audit_verify_bundle_names_a_file_added_or_removed_after_signing()
    {
        var zip = PathOf("case.zip");
        var bundle = await BundleAsync();
        await File.WriteAllBytesAsync(zip, Rezip(bundle, files =>
        {
            files.Remove(EvidenceBundle.NoticesPath);
            files["media/" + new string('a', 64)] = Encoding.UTF8.GetBytes("smuggled");
        }));

        var result = await Cli.RunAsync(["audit", "verify", "--bundle", zip]);

        Assert.Equal(4, result.ExitCode);
        Assert.Equal(
        [
            "MISMATCH notices.json: is in the manifest but not in the bundle",
            $"MISMATCH media/{new string('a', 64)}: is in the bundle but not in the manifest",
            "MISMATCH notices.json: follows from the events but is not in the bundle",
            $"MISMATCH media/{new string('a', 64)}: is no reported media of the case",
            "case.zip: does not verify; first mismatch: notices.json",
        ], result.OutLines);
    }

    [Fact]
    public async Task A_file_that_is_not_a_bundle_is_named_as_such()
    {
        var zip = PathOf("report.pdf");
        await File.WriteAllTextAsync(zip, "%PDF-1.7 not a zip");

        var result = await Cli.RunAsync(["audit", "verify", "--bundle", zip]);

        Assert.Equal(4, result.ExitCode);
        Assert.StartsWith("MISMATCH bundle: not a readable zip: ", result.OutLines[0], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--postgres", "Host=localhost", "error: --bundle is checked offline, on its own: it takes no --heads, --schema or --postgres.")]
    [InlineData("--schema", "reporting", "error: --bundle is checked offline, on its own: it takes no --heads, --schema or --postgres.")]
    public async Task Audit_verify_bundle_refuses_database_options(string option, string value, string error)
    {
        var result = await Cli.RunAsync(["audit", "verify", "--bundle", PathOf("case.zip"), option, value]);

        Assert.Equal((2, error), (result.ExitCode, Assert.Single(result.ErrorLines)));
    }

    [Fact]
    public async Task A_public_key_without_a_bundle_or_heads_and_an_unreadable_key_are_usage_errors()
    {
        var notAKey = PathOf("not-a-key.pem");
        await File.WriteAllTextAsync(notAKey, "hello");

        var alone = await Cli.RunAsync(["audit", "verify", "--public-key", notAKey]);
        await File.WriteAllTextAsync(notAKey, key.PublicKey.Pem);
        var withoutFile = await Cli.RunAsync(["audit", "verify", "--public-key", notAKey]);

        Assert.Equal(2, alone.ExitCode);
        Assert.StartsWith($"error: --public-key {notAKey}: not an ECDSA P-256 key in PEM", Assert.Single(alone.ErrorLines), StringComparison.Ordinal);
        Assert.Equal((2, "error: --public-key pins the signer of --bundle or --heads; give one of them."), (withoutFile.ExitCode, Assert.Single(withoutFile.ErrorLines)));
    }

    [Fact]
    public async Task Audit_verify_heads_names_a_stream_whose_whole_chain_was_rewritten_since_the_export()
    {
        var exported = PathOf("heads.json");
        var heads = await StreamHeadsExport.ReadAsync(db.DataSource, Schema, DateTimeOffset.Parse("2026-03-01T10:00:00Z"), CancellationToken.None);
        await File.WriteAllBytesAsync(exported, StreamHeadsExport.Serialize(StreamHeadsExport.Sign(heads, key)));
        var before = heads.Streams.Single(s => s.StreamId == "case-b").Hash;
        // Edit case-b's first event, then re-link both of its events as the trigger would.
        await db.ExecuteAsync(
            $$"""
            UPDATE {{Schema}}.mt_events SET data = '{"name": "forged", "quantity": 1}' WHERE stream_id = 'case-b' AND version = 1;
            DO $$
            DECLARE r record; previous bytea := ''::bytea; link bytea;
            BEGIN
                FOR r IN SELECT * FROM {{Schema}}.mt_events WHERE stream_id = 'case-b' ORDER BY version LOOP
                    link := sha256(previous || convert_to(r.stream_id, 'UTF8') || '\x00'::bytea || int8send(r.version) || convert_to(r.type, 'UTF8')
                        || '\x00'::bytea || convert_to(r.data::text, 'UTF8') || '\x00'::bytea || int8send((extract(epoch FROM r.timestamp) * 1000000)::bigint));
                    UPDATE {{Schema}}.mt_events SET headers = headers || jsonb_build_object('hash', encode(link, 'hex')) WHERE stream_id = r.stream_id AND version = r.version;
                    previous := link;
                END LOOP;
            END $$;
            DELETE FROM {{Schema}}.mt_events WHERE stream_id = 'bank-removed';
            DELETE FROM {{Schema}}.mt_streams WHERE id = 'bank-removed';
            """);
        var after = (await StreamHeadsExport.ReadAsync(db.DataSource, Schema, DateTimeOffset.UtcNow, CancellationToken.None)).Streams.Single(s => s.StreamId == "case-b").Hash;

        var result = await Cli.RunAsync(["audit", "verify", "--heads", exported, "--postgres", db.ConnectionString]);

        Assert.Equal("", result.Error);
        Assert.Equal(4, result.ExitCode);
        Assert.Equal(
        [
            "REWRITTEN evidence bank-removed at version 1: the stream no longer exists; the export recorded version 1",
            $"REWRITTEN evidence case-b at version 2: the hash of version 2 is {after}, the export recorded {before}: the chain was rewritten",
            "evidence: 2 streams, 5 events, 0 broken",
            "evidence: 3 heads exported at 2026-03-01T10:00:00.0000000+00:00 compared, 2 no longer match",
        ], result.OutLines);
    }

    private static byte[] Rezip(byte[] bundle, Action<SortedDictionary<string, byte[]>> edit)
    {
        var files = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
        using (var zip = new ZipArchive(new MemoryStream(bundle), ZipArchiveMode.Read))
        {
            foreach (var entry in zip.Entries)
            {
                using var stream = entry.Open();
                using var buffer = new MemoryStream();
                stream.CopyTo(buffer);
                files[entry.FullName] = buffer.ToArray();
            }
        }
        edit(files);
        using var output = new MemoryStream();
        using (var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (path, bytes) in files)
            {
                using var stream = zip.CreateEntry(path).Open();
                stream.Write(bytes);
            }
        }
        return output.ToArray();
    }
}
