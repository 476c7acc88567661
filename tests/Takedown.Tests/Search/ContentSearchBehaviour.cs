using System.Globalization;
using System.Text.RegularExpressions;
using Takedown.Fingerprints.Text;
using Takedown.Search;
using Takedown.Text;

namespace Takedown.Tests.Search;

/// <summary>
/// What analysts can rely on from either search backend: Arabic-aware full text, the filters, organisation scoping,
/// paging, PDQ and near-duplicate text neighbours. Each backend subclasses this with a way to put documents in it.
/// </summary>
public abstract class ContentSearchBehaviour
{
    protected static readonly DateTimeOffset Now = new(2026, 11, 20, 12, 0, 0, TimeSpan.Zero);

    // A PDQ hash of a real image (ThreatExchange's bridge test image), and an unrelated one.
    protected const string Bridge = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22";
    protected const string Unrelated = "0000000000000000ffffffffffffffff00000000000000000000000000000000";

    protected abstract IContentSearch Search { get; }

    /// <summary>Makes these the backend's only documents, searchable when the task completes.</summary>
    protected abstract Task IndexAsync(IReadOnlyList<ContentDocument> documents);

    [BackendTheory]
    [InlineData("الاسلامية", "hamza on alef left out")]
    [InlineData("آلإسلامية", "madda and hamza below where the text has hamza above")]
    [InlineData("المدرسه", "heh for teh marbuta")]
    [InlineData("مستشفي", "yeh for alef maqsura")]
    [InlineData("المستشفى", "alef maqsura, as the text writes it")]
    [InlineData("المدرسة", "teh marbuta, as the text writes it")]
    [InlineData("الجهاد", "the text's diacritics and tatweel absent from the query")]
    [InlineData("الْجِـهَـاد", "diacritics and tatweel in the query")]
    public async Task Arabic_queries_match_across_spelling_variants(string query, string variant)
    {
        var statement = Doc("أعلنت الدولة الإسلامية مسؤوليتها عن الهجوم على المدرسة قرب المستشفى باسم الْجِهَـــاد");
        var other = Doc("مباراة كرة القدم انتهت بالتعادل في الملعب الكبير");
        await IndexAsync([statement, other]);

        var page = await Search.SearchAsync(new ContentQuery(Text: query, Now: Now), default);

        Assert.True(page.Items.Count == 1, $"{variant}: expected one hit, got {page.Items.Count}");
        Assert.Equal(statement.ContentId, page.Items[0].Document.ContentId);
        Assert.Equal(1, page.Total);
    }

    [BackendFact]
    public async Task An_arabic_match_is_highlighted_whichever_spelling_matched()
    {
        var statement = Doc("أعلنت الدولة الإسلامية مسؤوليتها عن الهجوم على المدرسة");
        await IndexAsync([statement]);

        var hit = Assert.Single((await Search.SearchAsync(new ContentQuery(Text: "المدرسه", Now: Now), default)).Items);

        // The text as reported, or its normalised form where only that matches (the fragment then reads "المدرسه").
        var highlighted = hit.Highlights.SelectMany(h => Regex.Matches(h, "<em>(.*?)</em>").Select(m => TextNormalizer.Normalize(m.Groups[1].Value)));
        Assert.Equal(["المدرسه"], highlighted);
        Assert.True(hit.Score > 0, $"score {hit.Score}");
    }

    [BackendFact]
    public async Task An_english_query_matches_other_forms_of_its_words_and_highlights_them()
    {
        var recruitment = Doc("Join the fighters in the north, brothers, the caliphate needs you");
        var sports = Doc("The match ended in a draw after extra time");
        await IndexAsync([recruitment, sports]);

        var hit = Assert.Single((await Search.SearchAsync(new ContentQuery(Text: "fighter", Now: Now), default)).Items);

        Assert.Equal(recruitment.ContentId, hit.Document.ContentId);
        Assert.Contains(hit.Highlights, h => h.Contains("<em>fighters</em>", StringComparison.Ordinal));
        Assert.Empty((await Search.SearchAsync(new ContentQuery(Text: "football", Now: Now), default)).Items);
    }

    [BackendFact]
    public async Task Reported_markup_comes_back_escaped_around_the_highlights()
    {
        await IndexAsync([Doc("<script>alert(1)</script> join the fighters")]);

        var hit = Assert.Single((await Search.SearchAsync(new ContentQuery(Text: "fighters", Now: Now), default)).Items);

        var highlight = Assert.Single(hit.Highlights);
        Assert.DoesNotContain("<script>", highlight, StringComparison.Ordinal);
        Assert.Contains("<em>fighters</em>", highlight, StringComparison.Ordinal);
    }

    [BackendFact]
    public async Task Each_filter_keeps_only_the_content_it_names()
    {
        var telegram = Doc("بيان", platform: "telegram", category: "terrorist-propaganda", severity: "P1", status: "open", account: "@amaq");
        var x = Doc("بيان", platform: "x", category: "hate-speech", severity: "P2", status: "removed", account: "@someone");
        var youtube = Doc("بيان", platform: "youtube", category: "terrorist-propaganda", severity: "P2", status: "rejected");
        await IndexAsync([telegram, x, youtube]);

        Assert.Equal([telegram.ContentId], await IdsAsync(new ContentQuery(Platform: "telegram", Now: Now)));
        Assert.Equal(Ids(telegram, youtube), await IdsAsync(new ContentQuery(Category: "terrorist-propaganda", Now: Now)));
        Assert.Equal(Ids(x, youtube), await IdsAsync(new ContentQuery(Severity: "P2", Now: Now)));
        Assert.Equal([youtube.ContentId], await IdsAsync(new ContentQuery(Status: "rejected", Now: Now)));
        Assert.Equal([x.ContentId], await IdsAsync(new ContentQuery(Account: "@someone", Now: Now)));
        Assert.Equal([youtube.ContentId], await IdsAsync(new ContentQuery(Text: "بيان", Category: "terrorist-propaganda", Severity: "P2", Now: Now)));
    }

    [BackendFact]
    public async Task A_reporters_organisation_never_sees_another_organisations_content()
    {
        var ours = Doc("بيان التبني", organisations: ["tech-for-peace"]);
        var shared = Doc("بيان التبني", organisations: ["hope-ngo", "tech-for-peace"]);
        var theirs = Doc("بيان التبني", organisations: ["hope-ngo"]);
        await IndexAsync([ours, shared, theirs]);

        Assert.Equal(Ids(ours, shared), await IdsAsync(new ContentQuery(Text: "بيان", Organisations: ["tech-for-peace"], Now: Now)));
        Assert.Equal(Ids(shared, theirs), await IdsAsync(new ContentQuery(Organisations: ["hope-ngo"], Now: Now)));
        Assert.Empty(await IdsAsync(new ContentQuery(Organisations: ["nobody"], Now: Now)));
        Assert.Equal(Ids(ours, shared, theirs), await IdsAsync(new ContentQuery(Now: Now)));
    }

    [BackendFact]
    public async Task The_date_range_is_on_the_first_report_from_inclusive_to_exclusive()
    {
        var early = Doc("بيان", firstReportedAt: Now.AddDays(-10));
        var middle = Doc("بيان", firstReportedAt: Now.AddDays(-5));
        var late = Doc("بيان", firstReportedAt: Now.AddDays(-1));
        await IndexAsync([early, middle, late]);

        Assert.Equal(Ids(middle, late), await IdsAsync(new ContentQuery(From: Now.AddDays(-5), Now: Now)));
        Assert.Equal(Ids(early), await IdsAsync(new ContentQuery(To: Now.AddDays(-5), Now: Now)));
        Assert.Equal(Ids(middle), await IdsAsync(new ContentQuery(From: Now.AddDays(-6), To: Now.AddDays(-2), Now: Now)));
    }

    [BackendFact]
    public async Task Overdue_is_a_passed_deadline_with_the_content_still_up()
    {
        var openLate = Doc("بيان", status: "open", dueAt: Now.AddHours(-1));
        var rejectedLate = Doc("بيان", status: "rejected", dueAt: Now.AddMinutes(-1));
        var openInTime = Doc("بيان", status: "open", dueAt: Now.AddHours(1));
        var removedLate = Doc("بيان", status: "removed", dueAt: Now.AddHours(-1));
        var noClock = Doc("بيان", status: "open");
        await IndexAsync([openLate, rejectedLate, openInTime, removedLate, noClock]);

        Assert.Equal(Ids(openLate, rejectedLate), await IdsAsync(new ContentQuery(Overdue: true, Now: Now)));
        Assert.Equal(Ids(openInTime, removedLate, noClock), await IdsAsync(new ContentQuery(Overdue: false, Now: Now)));
        Assert.Equal(Ids(openLate, rejectedLate, openInTime), await IdsAsync(new ContentQuery(Overdue: true, Now: Now.AddHours(2))));
    }

    [BackendFact]
    public async Task The_reupload_filter_keeps_or_drops_re_uploads_of_removed_content()
    {
        var original = Doc("بيان", status: "removed");
        var reupload = Doc("بيان", reuploadOf: [original.ContentId]);
        var unrelated = Doc("بيان");
        await IndexAsync([original, reupload, unrelated]);

        Assert.Equal(Ids(reupload), await IdsAsync(new ContentQuery(Reupload: true, Now: Now)));
        Assert.Equal(Ids(original, unrelated), await IdsAsync(new ContentQuery(Reupload: false, Now: Now)));
    }

    [BackendFact]
    public async Task Pages_split_the_newest_first_list_and_each_carries_the_total()
    {
        var documents = Enumerable.Range(1, 5).Select(day => Doc("بيان التبني", firstReportedAt: Now.AddDays(-day))).ToArray();
        await IndexAsync([.. documents.Reverse()]);

        var first = await Search.SearchAsync(new ContentQuery(Text: "بيان", PageSize: 2, Page: 1, Now: Now), default);
        var second = await Search.SearchAsync(new ContentQuery(Text: "بيان", PageSize: 2, Page: 2, Now: Now), default);
        var third = await Search.SearchAsync(new ContentQuery(Text: "بيان", PageSize: 2, Page: 3, Now: Now), default);
        var beyond = await Search.SearchAsync(new ContentQuery(Text: "بيان", PageSize: 2, Page: 4, Now: Now), default);
        var listed = await Search.SearchAsync(new ContentQuery(PageSize: 3, Page: 2, Now: Now), default);

        Assert.Equal((5, 5, 5, 5, 5), (first.Total, second.Total, third.Total, beyond.Total, listed.Total));
        var newestFirst = documents.Select(d => d.ContentId).ToArray();
        Assert.Equal(newestFirst[0..2], first.Items.Select(h => h.Document.ContentId));
        Assert.Equal(newestFirst[2..4], second.Items.Select(h => h.Document.ContentId));
        Assert.Equal(newestFirst[4..], third.Items.Select(h => h.Document.ContentId));
        Assert.Empty(beyond.Items);
        Assert.Equal(newestFirst[3..5], listed.Items.Select(h => h.Document.ContentId));
        Assert.Equal((2, 4, Search.Backend), (second.PageSize, beyond.Page, first.Backend));
    }

    [BackendFact]
    public async Task Similar_by_pdq_returns_the_neighbours_closest_first_within_the_distance()
    {
        var same = Doc("صورة", pdq: [Bridge]);
        var near = Doc("صورة", pdq: [Unrelated, Flip(Bridge, 9)]);     // the closer of its two hashes counts
        var edge = Doc("صورة", pdq: [Flip(Bridge, 31)]);
        var beyond = Doc("صورة", pdq: [Flip(Bridge, 32)]);
        var other = Doc("صورة", pdq: [Unrelated]);
        var textOnly = Doc("صورة");
        await IndexAsync([other, beyond, edge, near, same, textOnly]);

        var hits = await Search.SimilarAsync(new SimilarQuery([Bridge], null, MaxDistance: 31), default);

        Assert.Equal(
            [(same.ContentId, 0, Bridge), (near.ContentId, 9, Flip(Bridge, 9)), (edge.ContentId, 31, Flip(Bridge, 31))],
            hits.Select(h => (h.Document.ContentId, h.Distance!.Value, h.Matched)));
        Assert.All(hits, h => Assert.Equal(("pdq", Bridge), (h.Signal, h.Query)));
        Assert.Equal([same.ContentId, near.ContentId], (await Search.SimilarAsync(new SimilarQuery([Bridge], null, MaxDistance: 10), default)).Select(h => h.Document.ContentId));
        Assert.Equal([same.ContentId], (await Search.SimilarAsync(new SimilarQuery([Bridge], null, MaxDistance: 31, Limit: 1), default)).Select(h => h.Document.ContentId));
    }

    [BackendFact]
    public async Task Similar_by_pdq_is_scoped_to_the_reporters_organisation()
    {
        var ours = Doc("صورة", pdq: [Flip(Bridge, 4)], organisations: ["tech-for-peace"]);
        var theirs = Doc("صورة", pdq: [Bridge], organisations: ["hope-ngo"]);
        await IndexAsync([ours, theirs]);

        var hits = await Search.SimilarAsync(new SimilarQuery([Bridge], null, Organisations: ["tech-for-peace"]), default);

        Assert.Equal([ours.ContentId], hits.Select(h => h.Document.ContentId));
    }

    [BackendFact]
    public async Task A_near_duplicate_text_is_found_and_an_unrelated_one_is_not()
    {
        const string Original = "أيها المسلمون انفروا إلى ساحات القتال في الشام والعراق فقد أعلنت الدولة الخلافة وبايعوا أمير المؤمنين الآن";
        const string Reposted = "ايها المسلمون انفروا الى ساحات القتال في الشام و العراق فقد اعلنت الدوله الخلافه وبايعوا امير المؤمنين فورا";
        var original = Doc(Original);
        var unrelated = Doc("مباراة كرة القدم انتهت بالتعادل في الملعب الكبير بعد وقت إضافي طويل جدا");
        await IndexAsync([original, unrelated]);

        var hit = Assert.Single(await Search.SimilarAsync(new SimilarQuery([], Reposted), default));

        Assert.Equal(original.ContentId, hit.Document.ContentId);
        Assert.Equal(SearchFingerprints.TextMinhashSignal, hit.Signal);
        var expected = TextFingerprint.Of(Reposted)!.Similarity(TextFingerprint.Of(Original)!);
        Assert.True(expected >= TextFingerprint.Threshold, $"the test's texts are not near-duplicates ({expected})");
        Assert.Equal(Math.Round(expected, 4), hit.Similarity);
    }

    protected static IEnumerable<Guid> Ids(params ContentDocument[] documents) => documents.Select(d => d.ContentId).Order();

    private async Task<IEnumerable<Guid>> IdsAsync(ContentQuery query) =>
        (await Search.SearchAsync(query with { PageSize = 100 }, default)).Items.Select(h => h.Document.ContentId).Order();

    /// <summary>The hash with its first <paramref name="bits"/> bits flipped: exactly that Hamming distance away.</summary>
    protected static string Flip(string hex, int bits)
    {
        var digits = hex.ToCharArray();
        for (var bit = 0; bit < bits; bit++)
        {
            var nibble = bit / 4;
            var value = int.Parse(digits[nibble].ToString(), NumberStyles.HexNumber, CultureInfo.InvariantCulture) ^ (8 >> (bit % 4));
            digits[nibble] = value.ToString("x", CultureInfo.InvariantCulture)[0];
        }
        return new string(digits);
    }

    /// <summary>A content item as Reporting would index it; fingerprints as ReuploadDetection would record them.</summary>
    protected static ContentDocument Doc(
        string text, string platform = "telegram", string? category = "terrorist-propaganda", string? severity = "P1",
        string status = "open", string? account = null, IReadOnlyList<string>? organisations = null, DateTimeOffset? firstReportedAt = null,
        DateTimeOffset? dueAt = null, IReadOnlyList<Guid>? reuploadOf = null, IReadOnlyList<string>? pdq = null)
    {
        var contentId = Guid.NewGuid();
        IReadOnlyList<string> fingerprints =
        [
            .. (pdq ?? []).Select(h => $"pdq:{h}"),
            .. TextFingerprint.Of(text) is { } near ? [$"{SearchFingerprints.TextMinhashSignal}:{near.ToHex()}"] : Array.Empty<string>(),
        ];
        var searchable = SearchFingerprints.Of(fingerprints);
        return new ContentDocument(
            Id: contentId.ToString(), ContentId: contentId, Version: 3,
            Url: $"https://t.me/c/{contentId:N}", CanonicalUrl: $"https://t.me/c/{contentId:N}", Platform: platform, Account: account,
            ReporterOrganisations: organisations ?? ["tech-for-peace"], Text: text, NormalisedText: TextNormalizer.Normalize(text), Language: null,
            Category: category, Severity: severity, Confidence: 0.9, Explanation: ["test"], Status: status, ContentUp: status is "open" or "rejected", Regime: dueAt is null ? null : "de-netzdg-manifestly-unlawful",
            DueAt: dueAt, Breached: false, FirstReportedAt: firstReportedAt ?? Now.AddHours(-2), FirstNotifiedAt: null, AcknowledgedAt: null,
            RemovedAt: status == "removed" ? Now.AddHours(-1) : null, TimeToRemovalHours: status == "removed" ? 1 : null, Views: 13_000, ReportCount: 1,
            ReuploadOf: reuploadOf ?? [], Pdq: searchable.Pdq, PdqChunks: searchable.PdqChunks, PdqVector: searchable.Pdq.FirstOrDefault(),
            TextMinhashBands: searchable.TextMinhashBands, Fingerprints: fingerprints, UpdatedAt: Now);
    }
}
