extern alias cli;

using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Takedown.EventStore.Evidence;
using Takedown.Tests.EndToEnd;
using Takedown.Testing;
using CliHost = cli::Takedown.Cli.CliHost;
using TakedownCli = cli::Takedown.Cli.TakedownCli;

namespace Takedown.Tests.Evidence;

/// <summary>
/// A re-upload case built by the four real services (a photo reported, removed and banked, then reported again
/// elsewhere), given a notice and an acknowledgement, and exported once through GET /api/v1/cases/{id}/evidence-bundle.
/// </summary>
public sealed class EvidenceBundleFixture : PipelineFixture
{
    public const string Organisation = "tech-for-peace";
    public const string Text = "صورة الجسر منشورة من جديد";
    public const string NoticeReference = "m-evidence-1";

    private readonly SemaphoreSlim _gate = new(1, 1);
    private ExportedCase? _exported;

    public sealed record ExportedCase(Guid ContentId, Guid OriginalId, byte[] Bundle, byte[] Media, string Sha256);

    public async Task<ExportedCase> ExportedAsync()
    {
        await _gate.WaitAsync();
        try
        {
            return _exported ??= await ExportAsync();
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<ExportedCase> ExportAsync()
    {
        var reporter = await IssueKeyAsync(Organisation, "reporter");
        var liaison = await IssueKeyAsync(Organisation, "liaison");
        var photo = await File.ReadAllBytesAsync(Path.Combine(AppContext.BaseDirectory, "TestData", "pdq", "bridge-original.jpg"));

        var original = await ReportAsync(reporter, "the bridge, first post", photo);
        await Eventually.UntilAsync(() => CaseAsync(liaison, original), c => c?.GetProperty("timeline").EnumerateArray()
            .Any(t => t.GetProperty("type").GetString() == "FingerprintsRecorded") == true, what: "the original's fingerprints");
        await PostAsync(liaison, $"/api/v1/cases/{original}/platform-response", new { outcome = "removed" });
        await Eventually.UntilAsync(() => BankedAsync(original), n => n > 0, what: "the removed photo banked");

        var reupload = await ReportAsync(reporter, Text, photo);
        await Eventually.UntilAsync(() => CaseAsync(liaison, reupload), c => c is { } view && view.GetProperty("reuploadOf").GetArrayLength() > 0
            && view.GetProperty("category").ValueKind == JsonValueKind.String, what: "the re-upload link and classification");
        await PostAsync(liaison, $"/api/v1/cases/{reupload}/notices", new { channel = "email", reference = NoticeReference });
        await PostAsync(liaison, $"/api/v1/cases/{reupload}/acknowledgement", new { reference = "FB-778" });

        using var response = await Reporting.SendAsync(Request(HttpMethod.Get, $"/api/v1/cases/{reupload}/evidence-bundle", liaison));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/zip", response.Content.Headers.ContentType?.MediaType);
        return new ExportedCase(reupload, original, await response.Content.ReadAsByteArrayAsync(), photo, Convert.ToHexStringLower(SHA256.HashData(photo)));
    }

    public async Task<Guid> ReportAsync(string key, string text, byte[]? photo, string? url = null)
    {
        using var response = await Ingest.SendAsync(Request(HttpMethod.Post, "/api/v1/reports", key, new
        {
            url = url ?? $"https://www.facebook.com/photos/{Guid.NewGuid():N}", platform = "facebook", text, reporterReference = "TFP-EV",
            jurisdiction = "IQ",
            media = photo is null ? [] : new[] { new { contentType = "image/jpeg", data = Convert.ToBase64String(photo) } },
        }));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("contentId").GetGuid();
    }

    private async Task<JsonElement?> CaseAsync(string key, Guid contentId)
    {
        using var response = await Reporting.SendAsync(Request(HttpMethod.Get, $"/api/v1/cases/{contentId}", key));
        return response.StatusCode == HttpStatusCode.NotFound ? null : await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private async Task PostAsync(string key, string path, object body)
    {
        using var response = await Reporting.SendAsync(Request(HttpMethod.Post, path, key, body));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private async Task<long> BankedAsync(Guid contentId)
    {
        await using var command = Database.DataSource.CreateCommand("SELECT count(*) FROM reupload.bank_entries WHERE content_id = @id");
        command.Parameters.AddWithValue("id", contentId);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}

/// <summary>
/// The evidence bundle through the real services: verified offline with nothing but the zip and the deployment's public
/// key, then each of its parts altered in turn and caught by name.
/// </summary>
public sealed class EvidenceBundleTests(EvidenceBundleFixture fixture) : IClassFixture<EvidenceBundleFixture>
{
    private const string HashMismatch = "does not match its contents or its predecessor";

    private EvidencePublicKey DeploymentKey => fixture.EvidenceKey.PublicKey;

    [Fact]
    public async Task A_bundle_from_the_api_verifies_offline_and_holds_the_events_chain_text_media_matches_and_notices()
    {
        var exported = await fixture.ExportedAsync();

        var result = Verify(exported.Bundle, DeploymentKey);

        Assert.Empty(result.Problems);
        Assert.Empty(result.Notes);
        // The chain recomputed offline is the one the trigger wrote, link for link.
        var stored = await StoredLinksAsync(exported.ContentId);
        Assert.Equal((exported.ContentId, $"case-{exported.ContentId}", (long)stored.Count, stored[^1].Hash, DeploymentKey.KeyId),
            (result.CaseId, result.StreamId, result.EventsChecked, result.ChainHead, result.KeyId));
        var files = Entries(exported.Bundle);
        var events = JsonDocument.Parse(files[EvidenceBundle.EventsPath]).RootElement.GetProperty("events").EnumerateArray().ToList();
        Assert.Equal(stored, events.Select(e => (e.GetProperty("version").GetInt64(), e.GetProperty("hash").GetString()!)).ToList());
        Assert.Equal(stored.Select(s => s.Hash), events.Select(e => e.GetProperty("headers").GetProperty("hash").GetString()));

        Assert.Equal(exported.Media, files[EvidenceBundle.MediaFolder + exported.Sha256]);
        var reported = events.Single(e => e.GetProperty("type").GetString() == "content-reported").GetProperty("version").GetInt64();
        Assert.Equal(EvidenceBundleFixture.Text, Encoding.UTF8.GetString(files[$"{EvidenceBundle.TextFolder}v{reported}.txt"]));

        var notices = JsonDocument.Parse(files[EvidenceBundle.NoticesPath]).RootElement.EnumerateArray().ToList();
        // The re-upload escalated the case to analysts before the liaison's notice and the platform's acknowledgement.
        Assert.Equal(["escalated", "notice-sent", "platform-acknowledged"], notices.Select(n => n.GetProperty("type").GetString()));
        Assert.Equal((EvidenceBundleFixture.NoticeReference, "email", "FB-778"),
            (notices[1].GetProperty("data").GetProperty("reference").GetString(), notices[1].GetProperty("data").GetProperty("channel").GetString(),
             notices[2].GetProperty("data").GetProperty("reference").GetString()));
        var fingerprints = JsonDocument.Parse(files[EvidenceBundle.FingerprintsPath]).RootElement.EnumerateArray().ToList();
        var link = fingerprints.Single(f => f.GetProperty("type").GetString() == "reupload-linked");
        Assert.Equal(exported.OriginalId, link.GetProperty("data").GetProperty("matchedContentId").GetGuid());
        var recorded = fingerprints.Single(f => f.GetProperty("type").GetString() == "fingerprints-recorded").GetProperty("data").GetProperty("fingerprints");
        Assert.Contains($"media-sha256:{exported.Sha256}", recorded.EnumerateArray().Select(f => f.GetString()));

        var manifest = JsonDocument.Parse(files[EvidenceBundle.ManifestPath]).RootElement;
        Assert.Equal(files.Keys.Where(k => k is not (EvidenceBundle.ManifestPath or EvidenceBundle.SignaturePath)).Order(StringComparer.Ordinal),
            manifest.GetProperty("files").EnumerateArray().Select(f => f.GetProperty("path").GetString()!).Order(StringComparer.Ordinal));
        Assert.Equal(DeploymentKey.Pem, Encoding.ASCII.GetString(files[EvidenceBundle.PublicKeyPath]));
    }

    [Fact]
    public async Task An_events_data_edited_in_the_bundle_is_named_by_its_version()
    {
        var exported = await fixture.ExportedAsync();
        var version = 0L;
        var altered = Alter(exported.Bundle, files => files[EvidenceBundle.EventsPath] = EditEvents(files[EvidenceBundle.EventsPath], e =>
        {
            if (e["type"]!.GetValue<string>() != "notice-sent")
                return;
            version = e["version"]!.GetValue<long>();
            e["data"] = e["data"]!.GetValue<string>().Replace(EvidenceBundleFixture.NoticeReference, "m-forged", StringComparison.Ordinal);
        }));

        var result = Verify(altered, DeploymentKey);

        Assert.Equal(new BundleProblem($"event version {version}", $"hash of version {version} {HashMismatch}"), result.Problems[0]);
        // The file no longer matches the manifest either; the chain names the version, so it comes first.
        Assert.Equal(EvidenceBundle.EventsPath, result.Problems[1].Subject);
        Assert.EndsWith($"does not match the manifest's {ManifestSha(exported.Bundle, EvidenceBundle.EventsPath)} ({Entries(exported.Bundle)[EvidenceBundle.EventsPath].Length} bytes)",
            result.Problems[1].Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_hash_replaced_in_the_bundle_is_named_by_its_version()
    {
        var exported = await fixture.ExportedAsync();
        var altered = Alter(exported.Bundle, files => files[EvidenceBundle.EventsPath] = EditEvents(files[EvidenceBundle.EventsPath], e =>
        {
            if (e["version"]!.GetValue<long>() == 2)
                e["hash"] = Convert.ToHexStringLower(SHA256.HashData("forged"u8));
        }));

        var result = Verify(altered, DeploymentKey);

        Assert.Equal(new BundleProblem("event version 2", $"hash of version 2 {HashMismatch}"), result.Problems[0]);
    }

    [Fact]
    public async Task Altered_media_is_named_by_its_file_against_the_manifest_and_against_the_hash_its_report_recorded()
    {
        var exported = await fixture.ExportedAsync();
        var path = EvidenceBundle.MediaFolder + exported.Sha256;
        var altered = Alter(exported.Bundle, files => files[path] = [.. files[path].Take(1000), 0x42, .. files[path].Skip(1001)]);
        var alteredSha = Convert.ToHexStringLower(SHA256.HashData(Entries(altered)[path]));
        var reported = JsonDocument.Parse(Entries(exported.Bundle)[EvidenceBundle.EventsPath]).RootElement.GetProperty("events").EnumerateArray()
            .Single(e => e.GetProperty("type").GetString() == "content-reported").GetProperty("version").GetInt64();

        var result = Verify(altered, DeploymentKey);

        Assert.Equal(new BundleProblem(path, $"SHA-256 {alteredSha} ({exported.Media.Length} bytes) does not match the manifest's {exported.Sha256} ({exported.Media.Length} bytes)"),
            result.Problems[0]);
        Assert.Equal(new BundleProblem(path, $"the bytes' SHA-256 is {alteredSha}, not the {exported.Sha256} that event version {reported} recorded"), result.Problems[1]);
        Assert.Equal(2, result.Problems.Count);
    }

    [Fact]
    public async Task An_edited_manifest_fails_its_signature()
    {
        var exported = await fixture.ExportedAsync();
        var altered = Alter(exported.Bundle, files => files[EvidenceBundle.ManifestPath] = EditJson(files[EvidenceBundle.ManifestPath],
            manifest => manifest["generatedAt"] = "2020-01-01T00:00:00+00:00"));

        var result = Verify(altered, DeploymentKey);

        Assert.Equal([new BundleProblem(EvidenceBundle.SignaturePath, "the signature of manifest.json does not verify with public-key.pem")], result.Problems);
    }

    [Fact]
    public async Task Reported_text_forged_with_a_manifest_to_match_is_named_and_the_manifest_fails_its_signature()
    {
        var exported = await fixture.ExportedAsync();
        var textPath = Entries(exported.Bundle).Keys.Single(k => k.StartsWith(EvidenceBundle.TextFolder, StringComparison.Ordinal));
        var forged = Encoding.UTF8.GetBytes("نص آخر تماما");
        var altered = Alter(exported.Bundle, files =>
        {
            files[textPath] = forged;
            files[EvidenceBundle.ManifestPath] = EditJson(files[EvidenceBundle.ManifestPath], manifest =>
            {
                var entry = manifest["files"]!.AsArray().Single(f => f!["path"]!.GetValue<string>() == textPath)!;
                entry["sha256"] = Convert.ToHexStringLower(SHA256.HashData(forged));
                entry["length"] = forged.Length;
            });
        });

        var result = Verify(altered, DeploymentKey);

        Assert.Equal(
        [
            new BundleProblem(textPath, "is not what the events say"),
            new BundleProblem(EvidenceBundle.SignaturePath, "the signature of manifest.json does not verify with public-key.pem"),
        ], result.Problems);
    }

    [Fact]
    public async Task A_replaced_signature_is_named()
    {
        var exported = await fixture.ExportedAsync();
        using var other = EvidenceSigningKey.Generate();
        var altered = Alter(exported.Bundle, files => files[EvidenceBundle.SignaturePath] = other.Sign(files[EvidenceBundle.ManifestPath]));

        var result = Verify(altered, DeploymentKey);

        Assert.Equal([new BundleProblem(EvidenceBundle.SignaturePath, "the signature of manifest.json does not verify with public-key.pem")], result.Problems);
    }

    [Fact]
    public async Task A_bundle_re_signed_with_another_key_holds_on_its_own_but_not_against_the_pinned_key()
    {
        var exported = await fixture.ExportedAsync();
        using var other = EvidenceSigningKey.Generate();
        var altered = Alter(exported.Bundle, files =>
        {
            files[EvidenceBundle.ManifestPath] = EditJson(files[EvidenceBundle.ManifestPath], manifest => manifest["keyId"] = other.PublicKey.KeyId);
            files[EvidenceBundle.SignaturePath] = other.Sign(files[EvidenceBundle.ManifestPath]);
            files[EvidenceBundle.PublicKeyPath] = Encoding.ASCII.GetBytes(other.PublicKey.Pem);
        });
        // The public key is in the manifest's file list: rewrite its entry too, as a forger would, and sign again.
        altered = Alter(altered, files =>
        {
            files[EvidenceBundle.ManifestPath] = EditJson(files[EvidenceBundle.ManifestPath], manifest =>
            {
                var entry = manifest["files"]!.AsArray().Single(f => f!["path"]!.GetValue<string>() == EvidenceBundle.PublicKeyPath)!;
                entry["sha256"] = Convert.ToHexStringLower(SHA256.HashData(files[EvidenceBundle.PublicKeyPath]));
                entry["length"] = files[EvidenceBundle.PublicKeyPath].Length;
            });
            files[EvidenceBundle.SignaturePath] = other.Sign(files[EvidenceBundle.ManifestPath]);
        });

        Assert.Empty(Verify(altered, pinned: null).Problems);
        Assert.Equal([new BundleProblem(EvidenceBundle.PublicKeyPath, $"is key {other.PublicKey.KeyId}, not the pinned key {DeploymentKey.KeyId}")],
            Verify(altered, DeploymentKey).Problems);
    }

    [Fact]
    public async Task The_case_export_command_writes_the_bundle_and_audit_verify_bundle_checks_it_with_no_database()
    {
        var exported = await fixture.ExportedAsync();
        var liaison = await fixture.IssueKeyAsync(EvidenceBundleFixture.Organisation, "liaison");
        var folder = Directory.CreateTempSubdirectory("takedown-evidence-");
        try
        {
            var zip = Path.Combine(folder.FullName, "case.zip");
            var key = Path.Combine(folder.FullName, "deployment.pem");
            await File.WriteAllTextAsync(key, DeploymentKey.Pem);

            var export = await RunCliAsync("case", "export", exported.ContentId.ToString(), "-o", zip, "--api-key", liaison, "--reporting-url", PipelineFixture.ReportingBaseUrl);
            Assert.True(export.ExitCode == 0, export.Error);
            Assert.Equal($"wrote {zip} ({new FileInfo(zip).Length} bytes)", export.Lines[0]);
            var stored = await StoredLinksAsync(exported.ContentId);
            Assert.Equal($"case {exported.ContentId}: case-{exported.ContentId} at version {stored.Count}, chain head {stored[^1].Hash}", export.Lines[1]);

            // No --postgres, no service: the check reads the file alone.
            var verified = await RunCliAsync("audit", "verify", "--bundle", zip, "--public-key", key);
            Assert.Equal(0, verified.ExitCode);
            Assert.Equal([$"INTACT case-{exported.ContentId}: {stored.Count} events, chain head {stored[^1].Hash}, every file as listed, manifest signed by the pinned key {DeploymentKey.KeyId}"],
                verified.Lines);

            await File.WriteAllBytesAsync(zip, Alter(await File.ReadAllBytesAsync(zip), files => files[EvidenceBundle.EventsPath] =
                EditEvents(files[EvidenceBundle.EventsPath], e => e["timestamp"] = e["version"]!.GetValue<long>() == 3 ? "2020-01-01T00:00:00.000000Z" : e["timestamp"]!.GetValue<string>())));
            var broken = await RunCliAsync("audit", "verify", "--bundle", zip, "--public-key", key);
            Assert.Equal(4, broken.ExitCode);
            Assert.Equal($"MISMATCH event version 3: hash of version 3 {HashMismatch}", broken.Lines[0]);
            Assert.Equal("case.zip: does not verify; first mismatch: event version 3", broken.Lines[^1]);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task A_reporter_of_another_organisation_is_told_the_case_does_not_exist()
    {
        var exported = await fixture.ExportedAsync();
        var stranger = await fixture.IssueKeyAsync("another-ngo", "reporter");
        var owner = await fixture.IssueKeyAsync(EvidenceBundleFixture.Organisation, "reporter");

        using var refused = await fixture.Reporting.SendAsync(PipelineFixture.Request(HttpMethod.Get, $"/api/v1/cases/{exported.ContentId}/evidence-bundle", stranger));
        using var given = await fixture.Reporting.SendAsync(PipelineFixture.Request(HttpMethod.Get, $"/api/v1/cases/{exported.ContentId}/evidence-bundle", owner));

        Assert.Equal((HttpStatusCode.NotFound, HttpStatusCode.OK), (refused.StatusCode, given.StatusCode));
        Assert.Empty(Verify(await given.Content.ReadAsByteArrayAsync(), DeploymentKey).Problems);
    }

    [Fact]
    public async Task A_reporter_receives_only_the_media_its_own_organisation_supplied()
    {
        var exported = await fixture.ExportedAsync();
        var owner = await fixture.IssueKeyAsync(EvidenceBundleFixture.Organisation, "reporter");
        var second = await fixture.IssueKeyAsync("second-ngo", "reporter");
        var url = $"https://www.facebook.com/photos/{Guid.NewGuid():N}";
        var contentId = await fixture.ReportAsync(owner, "the bridge, posted once more", exported.Media, url);
        Assert.Equal(contentId, await fixture.ReportAsync(second, "the bridge, posted once more", null, url));

        var bundle = await Eventually.UntilAsync(async () =>
        {
            using var response = await fixture.Reporting.SendAsync(PipelineFixture.Request(HttpMethod.Get, $"/api/v1/cases/{contentId}/evidence-bundle", second));
            return response.StatusCode == HttpStatusCode.OK ? await response.Content.ReadAsByteArrayAsync() : null;
        }, b => b is not null, what: "the second organisation's report on the case");
        using var owners = await fixture.Reporting.SendAsync(PipelineFixture.Request(HttpMethod.Get, $"/api/v1/cases/{contentId}/evidence-bundle", owner));

        Assert.DoesNotContain(EvidenceBundle.MediaFolder + exported.Sha256, Entries(bundle!).Keys);
        var result = Verify(bundle!, DeploymentKey);
        Assert.Empty(result.Problems);
        Assert.Contains(result.Notes, n => n.Contains(exported.Sha256) && n.Contains("another organisation"));
        Assert.Equal(exported.Media, Entries(await owners.Content.ReadAsByteArrayAsync())[EvidenceBundle.MediaFolder + exported.Sha256]);
    }

    [Fact]
    public async Task A_case_whose_chain_was_edited_in_the_database_gets_no_signed_bundle_but_a_409_naming_the_version()
    {
        var exported = await fixture.ExportedAsync();
        var analyst = await fixture.IssueKeyAsync("takedown-analysts", "analyst");
        // The original case, removed long ago: its report's platform edited behind the store's back.
        await fixture.Database.ExecuteAsync(
            $"UPDATE reporting.mt_events SET data = jsonb_set(data, '{{platform}}', '\"forged\"') WHERE stream_id = 'case-{exported.OriginalId}' AND type = 'content-reported'");
        var version = await ReportVersionAsync(exported.OriginalId);

        using var refused = await fixture.Reporting.SendAsync(PipelineFixture.Request(HttpMethod.Get, $"/api/v1/cases/{exported.OriginalId}/evidence-bundle", analyst));

        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((version, $"hash of version {version} {HashMismatch}; GET /api/v1/cases/{exported.OriginalId}/audit shows the same. No bundle is signed over a broken chain."),
            (problem.GetProperty("firstBrokenVersion").GetInt64(), problem.GetProperty("detail").GetString()));
    }

    private async Task<long> ReportVersionAsync(Guid contentId)
    {
        await using var command = fixture.Database.DataSource.CreateCommand(
            "SELECT version FROM reporting.mt_events WHERE stream_id = @s AND type = 'content-reported'");
        command.Parameters.AddWithValue("s", $"case-{contentId}");
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static BundleVerification Verify(byte[] bundle, EvidencePublicKey? pinned)
    {
        using var stream = new MemoryStream(bundle);
        return EvidenceBundleVerifier.Verify(stream, pinned);
    }

    private async Task<List<(long Version, string Hash)>> StoredLinksAsync(Guid contentId)
    {
        await using var command = fixture.Database.DataSource.CreateCommand(
            "SELECT version, headers->>'hash' FROM reporting.mt_events WHERE stream_id = @s ORDER BY version");
        command.Parameters.AddWithValue("s", $"case-{contentId}");
        await using var reader = await command.ExecuteReaderAsync();
        var links = new List<(long, string)>();
        while (await reader.ReadAsync())
            links.Add((reader.GetInt64(0), reader.GetString(1)));
        return links;
    }

    private async Task<(int ExitCode, string[] Lines, string Error)> RunCliAsync(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        using var http = fixture.CreateReportingHandler();
        var host = CliHost.Captured(http, stdout, stderr, _ => null, TimeProvider.System, width: 200);
        var exitCode = await TakedownCli.RunAsync(args, host);
        return (exitCode, stdout.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries), stderr.ToString());
    }

    internal static SortedDictionary<string, byte[]> Entries(byte[] bundle)
    {
        using var zip = new ZipArchive(new MemoryStream(bundle), ZipArchiveMode.Read);
        var entries = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var entry in zip.Entries)
        {
            using var stream = entry.Open();
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            entries[entry.FullName] = buffer.ToArray();
        }
        return entries;
    }

    /// <summary>The bundle with its files changed by <paramref name="edit"/>, zipped again.</summary>
    internal static byte[] Alter(byte[] bundle, Action<SortedDictionary<string, byte[]>> edit)
    {
        var files = Entries(bundle);
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

    private static byte[] EditJson(byte[] json, Action<JsonObject> edit)
    {
        var node = JsonNode.Parse(json)!.AsObject();
        edit(node);
        return Encoding.UTF8.GetBytes(node.ToJsonString());
    }

    private static byte[] EditEvents(byte[] json, Action<JsonObject> edit) =>
        EditJson(json, events =>
        {
            foreach (var e in events["events"]!.AsArray())
                edit(e!.AsObject());
        });

    private static string ManifestSha(byte[] bundle, string path) =>
        JsonDocument.Parse(Entries(bundle)[EvidenceBundle.ManifestPath]).RootElement.GetProperty("files").EnumerateArray()
            .Single(f => f.GetProperty("path").GetString() == path).GetProperty("sha256").GetString()!;
}
