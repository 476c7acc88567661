using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Takedown.Fingerprints;
using Takedown.Testing;

namespace Takedown.Tests.EndToEnd;

public sealed record MatchFoundView(string Signal, string Hash, string MatchedHash, int Distance, string Bank, string Label, string Source, Guid? ContentId, string? CaseUrl);

public sealed record HashView(string Signal, string Hash);

public sealed record MatchResponseView(IReadOnlyList<MatchFoundView> Matches, IReadOnlyList<HashView>? MediaHashes);

/// <summary>Images and video through ffmpeg: pdq and vpdq in the pipeline and at /api/v1/match (docs/fingerprints.md).</summary>
public sealed partial class PipelineTests
{
    // Copied from the PDQ reference repository with its licence: tests/Takedown.Tests/TestData/pdq/README.md.
    private static string TestMedia(string name) => Path.Combine(AppContext.BaseDirectory, "TestData", "pdq", name);

    private static object Media(string contentType, byte[] bytes) => new { contentType, data = Convert.ToBase64String(bytes) };

    private static string Caption(string what) => $"{what} {Guid.NewGuid()}";

    private async Task RemoveAsync(string liaison, Guid contentId)
    {
        using var removed = await pipeline.Reporting.SendAsync(PipelineFixture.Request(HttpMethod.Post, $"/api/v1/cases/{contentId}/platform-response", liaison, new { outcome = "removed" }));
        Assert.Equal(HttpStatusCode.OK, removed.StatusCode);
    }

    private async Task<List<string>> FingerprintSignalsAsync(Guid contentId)
    {
        await using var command = pipeline.Database.DataSource.CreateCommand(
            "SELECT f->>'signal' FROM reupload.mt_events, jsonb_array_elements(data->'fingerprints') f WHERE stream_id = @s AND type = 'content-fingerprinted'");
        command.Parameters.AddWithValue("s", $"fingerprint-{contentId}");
        await using var reader = await command.ExecuteReaderAsync();
        var signals = new List<string>();
        while (await reader.ReadAsync())
            signals.Add(reader.GetString(0));
        return signals;
    }

    [Fact]
    public async Task A_resized_copy_of_a_removed_image_is_a_reupload_by_pdq_and_an_unrelated_image_is_not()
    {
        var reporter = await pipeline.IssueKeyAsync(Organisation, "reporter");
        var liaison = await pipeline.IssueKeyAsync(Organisation, "liaison");
        var original = await File.ReadAllBytesAsync(TestMedia("bridge-original.jpg"));
        var resized = await File.ReadAllBytesAsync(TestMedia("bridge-shrink-a-little.jpg"));

        var removed = await ReportAsync(reporter, UniqueUrl("photos"), Caption("bridge"), media: [Media("image/jpeg", original)]);
        var removedCase = (await CaseWhenAsync(liaison, removed.ContentId, Complete, "the original case"))!;
        Assert.Contains(removedCase.Timeline, t => t.Summary == "Fingerprinted: text-sha256, text-minhash, media-sha256, media-md5, pdq");
        await RemoveAsync(liaison, removed.ContentId);
        await Eventually.UntilAsync(() => BankedHashesAsync(removed.ContentId), n => n == 5, what: "the removed image's hashes, pdq among them, in the bank");

        // The same photo re-encoded at 1152x723, another caption, another URL: no exact hash in common.
        var reupload = await ReportAsync(reporter, UniqueUrl("photos"), Caption("look at this"), media: [Media("image/jpeg", resized)]);
        var reuploadCase = (await CaseWhenAsync(liaison, reupload.ContentId, c => c.ReuploadOf.Count > 0, "the re-upload link"))!;

        Assert.Equal([removed.ContentId], reuploadCase.ReuploadOf);
        Assert.Contains(reuploadCase.Timeline, t => t.Summary == $"Re-upload of removed content {removed.ContentId} (pdq)");
        var (matched, signal, value, distance) = Assert.Single(await ReuploadMatchesAsync(reupload.ContentId));
        Assert.Equal((removed.ContentId, "pdq"), (matched, signal));
        Assert.InRange(distance, 0, 31);
        Assert.Contains(value, await FingerprintValuesAsync(reupload.ContentId, "pdq"));

        var unrelated = await ReportAsync(reporter, UniqueUrl("photos"), Caption("another photo"),
            media: [Media("image/jpeg", await File.ReadAllBytesAsync(TestMedia("unrelated-q0122.jpg")))]);
        var unrelatedCase = (await CaseWhenAsync(liaison, unrelated.ContentId, Complete, "the unrelated image's case"))!;
        // Matching runs in the transaction that records the fingerprints, so by now there would be a match.
        Assert.Contains("pdq", await FingerprintSignalsAsync(unrelated.ContentId));
        Assert.Empty(unrelatedCase.ReuploadOf);
        Assert.Empty(await ReuploadMatchesAsync(unrelated.ContentId));

        // The match endpoint takes the image itself.
        var analyst = await pipeline.IssueKeyAsync("takedown-analysts", "analyst");
        using (var lookup = await pipeline.Reupload.SendAsync(PipelineFixture.Request(HttpMethod.Post, "/api/v1/match", analyst, new { image = Media("image/jpeg", resized) })))
        {
            Assert.Equal(HttpStatusCode.OK, lookup.StatusCode);
            var answer = (await lookup.Content.ReadFromJsonAsync<MatchResponseView>())!;
            var found = Assert.Single(answer.Matches, m => m.ContentId == removed.ContentId);
            Assert.Equal(("pdq", "removed", $"/api/v1/cases/{removed.ContentId}", distance), (found.Signal, found.Bank, found.CaseUrl, found.Distance));
            Assert.Equal(PdqHash.Parse(found.Hash).Distance(PdqHash.Parse(found.MatchedHash)), found.Distance);
            Assert.Equal(["media-sha256", "media-md5", "pdq"], answer.MediaHashes!.Select(h => h.Signal));
        }
        using (var bad = await pipeline.Reupload.SendAsync(PipelineFixture.Request(HttpMethod.Post, "/api/v1/match", analyst,
                   new { image = Media("image/jpeg", "not a picture"u8.ToArray()) })))
        {
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            Assert.Equal("application/problem+json", bad.Content.Headers.ContentType?.MediaType);
            var problem = await bad.Content.ReadFromJsonAsync<JsonElement>();
            Assert.True(problem.GetProperty("errors").TryGetProperty("image.data", out _));
        }
    }

    [Fact]
    public async Task A_smaller_re_encoding_of_a_removed_video_is_a_reupload_by_vpdq()
    {
        var reporter = await pipeline.IssueKeyAsync(Organisation, "reporter");
        var liaison = await pipeline.IssueKeyAsync(Organisation, "liaison");
        var original = await File.ReadAllBytesAsync(TestMedia("doorknob-hd-no-bar.mp4"));
        var reencoded = await ReencodeAsync(TestMedia("doorknob-hd-no-bar.mp4"));
        Assert.NotEqual(original, reencoded);

        var removed = await ReportAsync(reporter, UniqueUrl("videos"), Caption("doorknob"), media: [Media("video/mp4", original)]);
        await CaseWhenAsync(liaison, removed.ContentId, Complete, "the original case");
        var frames = (await FingerprintSignalsAsync(removed.ContentId)).Count(s => s == "vpdq");
        Assert.True(frames > 1, $"{frames} vpdq frames");
        await RemoveAsync(liaison, removed.ContentId);
        await Eventually.UntilAsync(() => BankedHashesAsync(removed.ContentId), n => n == 4 + frames, what: "the removed video's frames in the bank");

        var reupload = await ReportAsync(reporter, UniqueUrl("videos"), Caption("seen this?"), media: [Media("video/mp4", reencoded)]);
        var reuploadCase = (await CaseWhenAsync(liaison, reupload.ContentId, c => c.ReuploadOf.Count > 0, "the re-upload link"))!;

        Assert.Equal([removed.ContentId], reuploadCase.ReuploadOf);
        var (matched, signal, _, distance) = Assert.Single(await ReuploadMatchesAsync(reupload.ContentId));
        Assert.Equal((removed.ContentId, "vpdq"), (matched, signal));
        Assert.InRange(distance, 0, 31);
    }

    private async Task<List<string>> FingerprintValuesAsync(Guid contentId, string signal)
    {
        await using var command = pipeline.Database.DataSource.CreateCommand(
            "SELECT f->>'value' FROM reupload.mt_events, jsonb_array_elements(data->'fingerprints') f WHERE stream_id = @s AND type = 'content-fingerprinted' AND f->>'signal' = @signal");
        command.Parameters.AddWithValue("s", $"fingerprint-{contentId}");
        command.Parameters.AddWithValue("signal", signal);
        await using var reader = await command.ExecuteReaderAsync();
        var values = new List<string>();
        while (await reader.ReadAsync())
            values.Add(reader.GetString(0));
        return values;
    }

    // A platform's typical re-upload: smaller, at a lower bit rate.
    private static async Task<byte[]> ReencodeAsync(string path)
    {
        var output = Path.Combine(Path.GetTempPath(), $"takedown-test-{Guid.NewGuid():N}.mp4");
        try
        {
            using var ffmpeg = Process.Start(new ProcessStartInfo("ffmpeg", ["-hide_banner", "-loglevel", "error", "-i", path, "-vf", "scale=640:-2", "-c:v", "libx264", "-crf", "30", "-an", output])
            {
                RedirectStandardError = true,
            })!;
            var errors = await ffmpeg.StandardError.ReadToEndAsync();
            await ffmpeg.WaitForExitAsync();
            Assert.True(ffmpeg.ExitCode == 0, errors);
            return await File.ReadAllBytesAsync(output);
        }
        finally
        {
            File.Delete(output);
        }
    }
}
