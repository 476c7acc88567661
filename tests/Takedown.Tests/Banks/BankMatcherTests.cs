extern alias reupload;

using reupload::Takedown.ReuploadDetection.Banks;
using Takedown.Fingerprints.Text;

namespace Takedown.Tests.Banks;

/// <summary>The matcher receives the same change twice and out of stream order (the feed and the writer both apply it).</summary>
public sealed class BankMatcherTests
{
    private const string Sha = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    private static readonly DateTimeOffset At = new(2025, 3, 1, 10, 0, 0, TimeSpan.Zero);

    private static HashAdded Added(string bank, Guid? content = null, string label = "l") => new(bank, "media-sha256", Sha, content, label, "s", At);

    private static HashRemoved Removed(string bank) => new(bank, "media-sha256", Sha, "api-key:x@y", At);

    private static IReadOnlyList<BankMatch> Match(BankMatcher matcher) => matcher.Match([("media-sha256", Sha)], 31);

    [Fact]
    public void An_older_addition_arriving_after_a_removal_does_not_bring_the_hash_back()
    {
        var matcher = new BankMatcher(new MultiIndexPdqIndex());
        matcher.Remove(Removed("gifct"), version: 2);
        matcher.Add(Added("gifct"), version: 1);

        Assert.Empty(Match(matcher));

        matcher.Add(Added("gifct", label: "again"), version: 3);
        Assert.Equal("again", Assert.Single(Match(matcher)).Entry.Label);
    }

    [Fact]
    public void A_removal_takes_every_entry_of_the_hash_in_that_bank_and_only_there()
    {
        var matcher = new BankMatcher(new MultiIndexPdqIndex());
        var first = Guid.NewGuid();
        var second = Guid.NewGuid();
        matcher.Add(Added("removed", first), 1);
        matcher.Add(Added("removed", second), 2);
        matcher.Add(Added("gifct"), 1);
        matcher.Add(Added("removed", first), 1); // the feed replaying what the writer applied

        Assert.Equal(3, matcher.Count);
        matcher.Remove(Removed("removed"), 3);

        Assert.Equal("gifct", Assert.Single(Match(matcher)).Entry.Bank);
        Assert.Equal(1, matcher.Count);
    }

    [Fact]
    public void Pdq_matches_within_the_distance_and_a_removed_pdq_hash_leaves_the_index()
    {
        var matcher = new BankMatcher(new MultiIndexPdqIndex());
        var banked = new string('0', 64);
        var threeBitsAway = "7" + new string('0', 63);
        matcher.Add(new HashAdded("gifct", "pdq", banked, null, "l", "s", At), 1);

        Assert.Equal(3, Assert.Single(matcher.Match([("pdq", threeBitsAway)], 31)).Distance);
        Assert.Empty(matcher.Match([("pdq", threeBitsAway)], 2));

        matcher.Remove("gifct", "pdq", banked, 2);
        Assert.Empty(matcher.Match([("pdq", banked)], 31));
    }

    [Fact]
    public void A_text_fingerprint_matches_its_reposts_by_similarity_and_not_another_text_on_the_same_event()
    {
        var matcher = new BankMatcher(new MultiIndexPdqIndex());
        var banked = TextFingerprint.Of(TextSamples.Statement)!;
        var repost = TextFingerprint.Of(TextSamples.StatementReposted)!;
        var content = Guid.NewGuid();
        matcher.Add(new HashAdded("removed", "text-minhash", banked.ToHex(), content, "removed from telegram", "platform", At), 1);

        var match = Assert.Single(matcher.Match([("text-minhash", repost.ToHex())], 31));
        var similarity = banked.Similarity(repost);
        Assert.InRange(similarity, TextFingerprint.Threshold, 0.99);
        Assert.Equal((content, banked.ToHex(), (int)Math.Round((1 - similarity) * 100)), (match.Entry.ContentId, match.Entry.Value, match.Distance));
        Assert.Equal(0, Assert.Single(matcher.Match([("text-minhash", banked.ToHex())], 31)).Distance);
        Assert.Empty(matcher.Match([("text-minhash", TextFingerprint.Of(TextSamples.SameEventOtherWords)!.ToHex())], 31));

        matcher.Remove("removed", "text-minhash", banked.ToHex(), 2);
        Assert.Empty(matcher.Match([("text-minhash", repost.ToHex())], 31));
        Assert.Equal(0, matcher.Count);
    }

    [Fact]
    public void A_short_text_fingerprint_matches_only_the_same_words()
    {
        var matcher = new BankMatcher(new MultiIndexPdqIndex());
        matcher.Add(new HashAdded("slogans", "text-minhash", TextFingerprint.Of("الموت لأمريكا")!.ToHex(), null, "slogan", "tat", At), 1);

        Assert.Single(matcher.Match([("text-minhash", TextFingerprint.Of("الموتُ لأمريكا 🔥")!.ToHex())], 31));
        Assert.Empty(matcher.Match([("text-minhash", TextFingerprint.Of("الموت لإسرائيل")!.ToHex())], 31));
    }

    [Fact]
    public void Texts_filed_under_the_same_keys_stay_findable_as_each_is_removed_and_banked_again()
    {
        var matcher = new BankMatcher(new MultiIndexPdqIndex());
        var banked = TextFingerprint.Of(TextSamples.Statement)!.ToHex();
        var repost = TextFingerprint.Of(TextSamples.StatementReposted)!.ToHex();
        var first = Guid.NewGuid();
        var second = Guid.NewGuid();
        matcher.Add(new HashAdded("removed", "text-minhash", banked, first, "l", "s", At), 1);
        matcher.Add(new HashAdded("removed", "text-minhash", banked, second, "l", "s", At), 2);
        matcher.Add(new HashAdded("tat", "text-minhash", banked, null, "l", "s", At), 1);

        Assert.Equal(3, matcher.Match([("text-minhash", repost)], 31).Count);

        // The first text filed under each key leaves while others share the keys.
        matcher.Remove("removed", "text-minhash", banked, 3);
        Assert.Equal("tat", Assert.Single(matcher.Match([("text-minhash", repost)], 31)).Entry.Bank);

        matcher.Remove("tat", "text-minhash", banked, 2);
        Assert.Empty(matcher.Match([("text-minhash", repost)], 31));

        matcher.Add(new HashAdded("tat", "text-minhash", banked, null, "again", "s", At), 3);
        Assert.Equal("again", Assert.Single(matcher.Match([("text-minhash", repost)], 31)).Entry.Label);
    }

    // Distinct 64-hex PDQ values far apart (random), and the same with a few bits flipped.
    private static string[] RandomFrames(int count, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(_ => { var bytes = new byte[32]; random.NextBytes(bytes); return Convert.ToHexStringLower(bytes); })];
    }

    private static string Flip(string hex, int bits) =>
        string.Concat(hex.Select((c, i) => i < bits ? "0123456789abcdef"[Convert.ToInt32(c.ToString(), 16) ^ 1] : c));

    [Fact]
    public void A_video_matches_a_banked_video_when_80_percent_of_its_frames_are_found_among_that_videos_frames()
    {
        var matcher = new BankMatcher(new MultiIndexPdqIndex());
        var content = Guid.NewGuid();
        var banked = RandomFrames(10, 1);
        for (var i = 0; i < banked.Length; i++)
            matcher.Add(new HashAdded("removed", "vpdq", banked[i], content, "removed from telegram", "platform", At), i + 1);

        // 8 of 10 frames re-encoded (1 to 8 bits off), 2 frames new: the vPDQ rule's 80%.
        var reencoded = banked.Take(8).Select((hex, i) => Flip(hex, i + 1)).Concat(RandomFrames(2, 2)).ToArray();
        var match = Assert.Single(matcher.Match([.. reencoded.Select(f => ("vpdq", f))], 31));
        Assert.Equal(("vpdq", content, 5), (match.Signal, match.Entry.ContentId, match.Distance));   // median of 1..8, the upper one
        Assert.Equal(5, Takedown.Fingerprints.PdqHash.Parse(match.Value).Distance(Takedown.Fingerprints.PdqHash.Parse(match.Entry.Value)));

        // 7 of 10: below the rule, though each of those frames is close.
        var partly = banked.Take(7).Concat(RandomFrames(3, 3)).ToArray();
        Assert.Empty(matcher.Match([.. partly.Select(f => ("vpdq", f))], 31));

        // An image of one of its frames matches the video's frame like a banked image.
        var still = Assert.Single(matcher.Match([("pdq", Flip(banked[4], 2))], 31));
        Assert.Equal(("vpdq", banked[4], 2), (still.Entry.Signal, still.Entry.Value, still.Distance));

        for (var i = 0; i < banked.Length; i++)
            matcher.Remove("removed", "vpdq", banked[i], 20 + i);
        Assert.Empty(matcher.Match([.. reencoded.Select(f => ("vpdq", f))], 31));
    }
    private static readonly string Pdq = RandomFrames(1, 9)[0];

    private static HashAdded PdqAdded(string bank, Guid? content = null, string label = "l", string? value = null) =>
        new(bank, "pdq", value ?? Pdq, content, label, "s", At);

    [Fact]
    public void The_same_pdq_hash_in_two_banks_and_two_contents_is_three_entries_and_a_removal_takes_only_its_banks()
    {
        var matcher = new BankMatcher(new MultiIndexPdqIndex());
        var (first, second) = Guid.NewGuid() is var a && Guid.NewGuid() is var b && a.CompareTo(b) < 0 ? (a, b) : (b, a);
        matcher.Add(PdqAdded("removed", first), 1);
        matcher.Add(PdqAdded("removed", second), 2);
        matcher.Add(PdqAdded("gifct", label: "flag"), 1);
        matcher.Add(PdqAdded("removed", first), 1);   // replayed by the feed: still one entry

        Assert.Equal(3, matcher.Count);
        var near = Flip(Pdq, 1);
        Assert.Equal(
            [("gifct", (Guid?)null, "flag", Pdq, 1), ("removed", first, "l", Pdq, 1), ("removed", second, "l", Pdq, 1)],
            matcher.Match([("pdq", near)], 31).Select(m => (m.Entry.Bank, m.Entry.ContentId, m.Entry.Label, m.Entry.Value, m.Distance)).OrderBy(m => m.Bank).ThenBy(m => m.ContentId));

        matcher.Remove("removed", "pdq", Pdq, 3);
        var left = Assert.Single(matcher.Match([("pdq", near)], 31));
        Assert.Equal(("gifct", "pdq", Pdq, "flag", "s"), (left.Entry.Bank, left.Entry.Signal, left.Entry.Value, left.Entry.Label, left.Entry.Source));
        Assert.Equal(1, matcher.Count);
    }

    [Fact]
    public void A_pdq_hash_removed_and_banked_again_matches_once_with_its_new_label()
    {
        var matcher = new BankMatcher(new MultiIndexPdqIndex());
        matcher.Add(PdqAdded("gifct", label: "first"), 1);
        matcher.Remove("gifct", "pdq", Pdq, 2);
        Assert.Empty(matcher.Match([("pdq", Pdq)], 31));
        Assert.Equal(0, matcher.Count);

        matcher.Add(PdqAdded("gifct", label: "again"), 3);
        matcher.Add(PdqAdded("gifct", label: "first"), 1);   // the first addition replayed late
        var match = Assert.Single(matcher.Match([("pdq", Pdq)], 31));
        Assert.Equal(("again", 0), (match.Entry.Label, match.Distance));
        Assert.Equal(1, matcher.Count);
    }

    [Fact]
    public void Out_of_order_additions_and_removals_of_one_entry_leave_the_latest_state()
    {
        var matcher = new BankMatcher(new MultiIndexPdqIndex());
        matcher.Add(PdqAdded("gifct", label: "v3"), 3);
        matcher.Add(PdqAdded("gifct", label: "v2"), 2);      // older: the label stays
        matcher.Remove("gifct", "pdq", Pdq, 2);              // older than the entry: it stays
        Assert.Equal("v3", Assert.Single(matcher.Match([("pdq", Pdq)], 31)).Entry.Label);

        matcher.Add(PdqAdded("gifct", label: "v5"), 5);      // newer: same entry, new label
        Assert.Equal("v5", Assert.Single(matcher.Match([("pdq", Pdq)], 31)).Entry.Label);

        matcher.Remove("gifct", "pdq", Pdq, 6);
        matcher.Remove("gifct", "pdq", Pdq, 4);              // an older removal arriving late changes nothing
        matcher.Add(PdqAdded("gifct", label: "v6"), 6);      // no newer than the removal
        Assert.Empty(matcher.Match([("pdq", Pdq)], 31));

        matcher.Add(PdqAdded("gifct", label: "v7"), 7);
        Assert.Equal("v7", Assert.Single(matcher.Match([("pdq", Pdq)], 31)).Entry.Label);
        Assert.Equal(1, matcher.Count);
    }

    [Fact]
    public void Values_come_back_exactly_as_banked_whatever_their_form()
    {
        var matcher = new BankMatcher(new MultiIndexPdqIndex());
        const string md5 = "0cc175b9c0f1b6a831c399e269772661";
        const string upper = "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08";
        const string url = "https://example.org/post/1";
        matcher.Add(new HashAdded("tat", "media-md5", md5, null, "l", "s", At), 1);
        matcher.Add(new HashAdded("tat", "media-sha256", upper, null, "l", "s", At), 2);
        matcher.Add(new HashAdded("tat", "media-sha256", Sha, null, "l", "s", At), 3);
        matcher.Add(new HashAdded("tat", "url", url, null, "l", "s", At), 4);

        Assert.Equal(md5, Assert.Single(matcher.Match([("media-md5", md5)], 31)).Entry.Value);
        Assert.Equal(upper, Assert.Single(matcher.Match([("media-sha256", upper)], 31)).Entry.Value);   // the matcher compares exactly; the endpoints lower-case
        Assert.Equal(Sha, Assert.Single(matcher.Match([("media-sha256", Sha)], 31)).Entry.Value);
        Assert.Equal(url, Assert.Single(matcher.Match([("url", url)], 31)).Entry.Value);
        Assert.Empty(matcher.Match([("media-md5", Sha[..32])], 31));
        Assert.Empty(matcher.Match([("text-sha256", Sha)], 31));   // same value, other signal
        Assert.Empty(matcher.Match([("url", url + "/")], 31));
    }

    [Fact]
    public void Many_entries_added_removed_and_added_again_are_each_found_with_their_own_value()
    {
        // Enough to grow the table's buckets and pages and to hand removed entries' numbers to new ones.
        var matcher = new BankMatcher(new MultiIndexPdqIndex());
        var first = RandomFrames(70_000, 11);
        var second = RandomFrames(30_000, 12);
        for (var i = 0; i < first.Length; i++)
            matcher.Add(new HashAdded(i % 2 == 0 ? "a" : "b", i % 3 == 0 ? "media-sha256" : "pdq", first[i], null, $"label {i % 5}", "s", At), i + 1);
        for (var i = 0; i < first.Length; i += 2)
            matcher.Remove("a", i % 3 == 0 ? "media-sha256" : "pdq", first[i], 100_000 + i);
        for (var i = 0; i < second.Length; i++)
            matcher.Add(new HashAdded("c", "pdq", second[i], Guid.Empty, "new", "s", At), i + 1);

        Assert.Equal(35_000 + 30_000, matcher.Count);
        for (var i = 0; i < first.Length; i += 997)
        {
            var found = matcher.Match([(i % 3 == 0 ? "media-sha256" : "pdq", first[i])], 0);
            if (i % 2 == 0)
                Assert.Empty(found);
            else
                Assert.Equal(("b", first[i], $"label {i % 5}"), (Assert.Single(found).Entry.Bank, found[0].Entry.Value, found[0].Entry.Label));
        }
        for (var i = 0; i < second.Length; i += 499)
        {
            var match = Assert.Single(matcher.Match([("pdq", second[i])], 0));
            Assert.Equal(("c", second[i], (Guid?)Guid.Empty), (match.Entry.Bank, match.Entry.Value, match.Entry.ContentId));
        }
    }
    [Fact]
    public void Frames_of_two_videos_banked_interleaved_still_group_by_video()
    {
        var matcher = new BankMatcher(new MultiIndexPdqIndex());
        var (one, two) = (Guid.NewGuid(), Guid.NewGuid());
        var first = RandomFrames(5, 21);
        var second = RandomFrames(5, 22);
        for (var i = 0; i < 5; i++)
        {
            matcher.Add(new HashAdded("removed", "vpdq", first[i], one, "removed from x", "platform", At), 2 * i + 1);
            matcher.Add(new HashAdded("removed", "vpdq", second[i], two, "removed from x", "platform", At), 2 * i + 2);
        }

        Assert.Equal(one, Assert.Single(matcher.Match([.. first.Select(f => ("vpdq", Flip(f, 1)))], 31)).Entry.ContentId);
        Assert.Equal(two, Assert.Single(matcher.Match([.. second.Select(f => ("vpdq", f))], 31)).Entry.ContentId);
    }

    [Fact]
    public void A_bulk_load_indexes_the_held_back_pdq_hashes_once_and_matches_like_one_by_one_adds()
    {
        var random = new Random(7);
        string RandomPdq() => string.Concat(Enumerable.Range(0, 32).Select(_ => random.Next(256).ToString("x2", System.Globalization.CultureInfo.InvariantCulture)));
        var hashes = Enumerable.Range(0, 300).Select(_ => RandomPdq()).ToArray();
        var contents = Enumerable.Range(0, 300).Select(_ => Guid.NewGuid()).ToArray();

        void Feed(BankMatcher matcher)
        {
            matcher.Remove("gifct", "pdq", hashes[4], 9);                      // a removal first, as the catalogue is read
            for (var i = 0; i < hashes.Length; i++)
                matcher.Add(new HashAdded(i % 2 == 0 ? "gifct" : "removed", "pdq", hashes[i], contents[i], "l", "s", At), 1);
            matcher.Remove("removed", "pdq", hashes[7], 2);                   // takes a hash that is still held back
            matcher.Add(new HashAdded("removed", "pdq", hashes[0], contents[1], "again", "s", At), 3); // may reuse its table id
        }

        var oneByOne = new BankMatcher(new MultiIndexPdqIndex());
        Feed(oneByOne);
        var bulk = new BankMatcher(new MultiIndexPdqIndex());
        using (bulk.BeginBulkLoad())
        {
            Feed(bulk);
            Assert.Empty(bulk.Match([("pdq", hashes[1])], 31)); // held back until the load ends
        }

        Assert.Equal(oneByOne.Count, bulk.Count);
        foreach (var hash in hashes)
        {
            var expected = oneByOne.Match([("pdq", hash)], 31).Select(m => (m.Entry.Bank, m.Entry.ContentId, m.Entry.Label, m.Distance)).OrderBy(m => m.ToString()).ToArray();
            var actual = bulk.Match([("pdq", hash)], 31).Select(m => (m.Entry.Bank, m.Entry.ContentId, m.Entry.Label, m.Distance)).OrderBy(m => m.ToString()).ToArray();
            Assert.Equal(expected, actual);
        }
        Assert.Empty(bulk.Match([("pdq", hashes[4])], 0));
        Assert.Empty(bulk.Match([("pdq", hashes[7])], 0));
        Assert.Equal(2, bulk.Match([("pdq", hashes[0])], 0).Count);

        // After the load, changes go straight to the index again.
        bulk.Add(new HashAdded("gifct", "pdq", hashes[7], contents[7], "l", "s", At), 4);
        Assert.Single(bulk.Match([("pdq", hashes[7])], 0));
    }
}
