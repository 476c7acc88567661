extern alias reporting;

using reporting::Takedown.Reporting.Cases;
using reporting::Takedown.Reporting.Search;
using Takedown.Fingerprints;
using Takedown.Fingerprints.Text;
using Takedown.Search;

namespace Takedown.Tests.Search;

/// <summary>What a case's search document says, folded from the case's events.</summary>
public sealed class SearchableContentTests
{
    private static readonly Guid Id = Guid.Parse("0195a6f2-0000-7000-8000-0000000000c1");
    private static readonly Guid Original = Guid.Parse("0195a6f2-0000-7000-8000-0000000000c2");
    private static readonly DateTimeOffset T0 = new(2026, 11, 21, 9, 0, 0, TimeSpan.Zero);
    private const string Text = "هذا النّاشط عميلُ السفارة ويجب فضحه";
    private const string Pdq = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22";

    private static SearchableContent After(params ICaseEvent[] events) =>
        events.Aggregate(SearchableContent.Initial(TakedownCase.StreamId(Id)), SearchableContent.Evolve);

    private static ContentReported Report(string? text, long? views, DateTimeOffset at, string organisation = "tech-for-peace") =>
        new(Id, Guid.NewGuid(), 1, "https://www.facebook.com/posts/1?utm_source=x", "https://www.facebook.com/posts/1", "facebook", organisation, "IQ", views, at, text);

    [Fact]
    public void The_document_carries_the_first_reports_text_normalised_and_the_latest_view_count()
    {
        var state = After(Report(Text, 100, T0), Report("عميل", 13_000, T0.AddHours(1), "another-ngo"));
        var document = state.ToDocument(2, T0.AddHours(2));

        Assert.Equal(Text, document.Text);
        Assert.Equal(Takedown.Text.TextNormalizer.Normalize(Text), document.NormalisedText);
        Assert.DoesNotContain('\u0651', document.NormalisedText!);     // shadda gone with the other diacritics
        Assert.Equal(13_000, document.Views);
        Assert.Equal(["another-ngo", "tech-for-peace"], document.ReporterOrganisations);
        Assert.Equal(2, document.ReportCount);
        Assert.Equal("open", document.Status);
        Assert.Equal(Id.ToString(), document.Id);
        Assert.Equal(2, document.Version);
    }

    [Fact]
    public void The_document_names_the_first_account_a_report_named()
    {
        var state = After(
            Report(Text, null, T0),
            Report(Text, null, T0.AddHours(1), "another-ngo") with { Account = "facebook:somepage" },
            Report(Text, null, T0.AddHours(2), "third-ngo") with { Account = "facebook:id:100064488880808" });

        Assert.Equal("facebook:somepage", state.ToDocument(3, T0.AddHours(3)).Account);
    }

    [Fact]
    public void Without_an_account_in_any_report_the_document_names_none() =>
        Assert.Null(After(Report(Text, null, T0)).ToDocument(1, T0.AddHours(1)).Account);

    [Fact]
    public void Classification_gives_language_and_explanation_until_an_analyst_overrides_it()
    {
        var classified = new ContentClassified(Id, "targeting-of-individuals", "P1", 0.8, ["عميل السفارة"], "rules/1", T0.AddSeconds(1),
            "iq-platform-default", TimeSpan.FromHours(24), "eu-2021-784-removal-order", TimeSpan.FromHours(1), "ar");
        var overridden = new ClassificationOverridden(Id, "incitement-threat-to-life", "P0", "names his street", "api-key:a@tfp", T0.AddMinutes(5),
            "p0-imminent-threat", TimeSpan.FromHours(1), "p0-imminent-threat", TimeSpan.FromHours(1));
        var reclassified = classified with { ClassifiedAt = T0.AddMinutes(6), Explanation = ["later rule"] };

        var document = After(Report(Text, null, T0), classified, overridden, reclassified).ToDocument(4, T0.AddHours(1));

        Assert.Equal("ar", document.Language);
        Assert.Equal("incitement-threat-to-life", document.Category);
        Assert.Equal("P0", document.Severity);
        Assert.Equal(["override: names his street"], document.Explanation);
    }

    [Fact]
    public void Removal_and_reupload_give_time_to_removal_and_the_link_to_the_removed_case()
    {
        var state = After(
            Report(Text, null, T0),
            new NoticeSent(Id, "trusted-flagger-portal", "TFP-1", T0.AddHours(1)),
            new ReuploadLinked(Id, Original, "pdq", T0.AddHours(2)),
            new RemovalConfirmed(Id, "platform", T0.AddHours(7)));
        var document = state.ToDocument(4, T0.AddHours(8));

        Assert.Equal("removed", document.Status);
        Assert.Equal(6, document.TimeToRemovalHours);
        Assert.Equal(T0.AddHours(1), document.FirstNotifiedAt);
        Assert.Equal([Original], document.ReuploadOf);
    }

    [Fact]
    public void Fingerprints_become_pdq_hashes_with_their_chunks_and_text_band_keys()
    {
        var text = TextFingerprint.Of("the same propaganda text is posted again by the channel after its removal")!;
        var fingerprints = new FingerprintsRecorded(Id, [$"pdq:{Pdq}", $"vpdq:{Pdq}", "pdq-low-quality:" + new string('0', 64), $"text-minhash:{text.ToHex()}", "media-sha256:ab"], T0);

        var document = After(Report(Text, null, T0), fingerprints).ToDocument(2, T0);

        Assert.Equal([Pdq], document.Pdq);                         // once, though a frame repeats it; low quality never matched
        Assert.Equal(Pdq, document.PdqVector);
        Assert.Equal(16, document.PdqChunks.Count);
        Assert.Equal("0f8f8", document.PdqChunks[0]);
        Assert.Equal("f9b22", document.PdqChunks[15]);
        Assert.Equal(text.LookupKeys(), document.TextMinhashBands);
        Assert.Contains("media-sha256:ab", document.Fingerprints);
    }

    [Fact]
    public void Hashes_fifteen_bits_apart_share_a_chunk()
    {
        // One bit flipped in each of the first fifteen 16-bit chunks: only the last chunk is left to meet on.
        var hex = Pdq.ToCharArray();
        for (var chunk = 0; chunk < 15; chunk++)
            hex[chunk * 4 + 3] = Convert.ToString(Convert.ToInt32(hex[chunk * 4 + 3].ToString(), 16) ^ 1, 16)[0];
        var near = new string(hex);
        Assert.Equal(15, PdqHash.Parse(Pdq).Distance(PdqHash.Parse(near)));

        Assert.Equal(["f9b22"], SearchFingerprints.Chunks(Pdq).Intersect(SearchFingerprints.Chunks(near)));
    }

    [Fact]
    public void Search_documents_serialize_with_the_templates_snake_case_names()
    {
        var document = After(Report(Text, 5, T0)).ToDocument(1, T0);
        var json = System.Text.Json.JsonSerializer.SerializeToElement(document, SearchJson.Options);

        Assert.Equal(Id.ToString(), json.GetProperty("content_id").GetString());
        Assert.Equal("https://www.facebook.com/posts/1", json.GetProperty("canonical_url").GetString());
        Assert.Equal(T0, json.GetProperty("first_reported_at").GetDateTimeOffset());
        var timeline = new CaseEventDocument($"{Id}:1", T0, Id, 1, "content-reported", "open", "facebook", null, ["tech-for-peace"], null, null, null, null, null, null);
        Assert.Equal(T0, System.Text.Json.JsonSerializer.SerializeToElement(timeline, SearchJson.Options).GetProperty("@timestamp").GetDateTimeOffset());
    }
}
