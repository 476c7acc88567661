using System.Diagnostics;
using Takedown.Fingerprints.Matching;
using static Takedown.Fingerprints.Tests.Matching.RandomHashes;

namespace Takedown.Fingerprints.Tests.Matching;

public class PdqIndexTests
{
    private static readonly string ListsDir = Path.Combine(AppContext.BaseDirectory, "TestData", "pdq", "lists");

    [Theory]
    [InlineData(1, 30_000, 0)]
    [InlineData(2, 30_000, 11)]
    [InlineData(3, 5_000, 16)]
    [InlineData(4, 5_000, 23)]
    [InlineData(5, 5_000, 32)]
    [InlineData(6, 300, 0)]
    public void Results_equal_brute_force_on_a_clustered_bank(int seed, int size, int slots)
    {
        var random = new Random(seed);
        var bank = ClusteredBank(size, random);

        AssertEqualsBruteForce(bank, Queries(bank, 1_000, random), slots);
    }

    [Theory]
    [InlineData(7, 0)]
    [InlineData(8, 11)]
    [InlineData(9, 19)]
    public void Results_equal_brute_force_on_a_uniform_bank(int seed, int slots)
    {
        var random = new Random(seed);
        var bank = UniformBank(20_000, random);

        AssertEqualsBruteForce(bank, Queries(bank, 1_000, random), slots);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(15)]
    [InlineData(30)]
    [InlineData(32)]
    [InlineData(48)]
    [InlineData(96)]
    public void Results_equal_brute_force_at_any_distance(int maxDistance)
    {
        var random = new Random(100 + maxDistance);
        var bank = ClusteredBank(10_000, random);
        var ids = Ids(bank.Length);
        var index = PdqIndex.Build(bank, ids);

        foreach (var query in Queries(bank, 400, random))
        {
            Assert.Equal(BruteForce(bank, ids, query, maxDistance), index.Query(query, maxDistance));
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(11)]
    [InlineData(32)]
    public void A_hash_31_bits_away_matches_and_one_32_bits_away_does_not(int slots)
    {
        var random = new Random(31);
        var bank = UniformBank(20_000, random);
        var index = PdqIndex.Build(bank, Ids(bank.Length), new PdqIndexOptions { Layout = Layout(slots) });

        for (var i = 0; i < 300; i++)
        {
            var target = random.Next(bank.Length);
            var at31 = Flip(bank[target], 31, random);
            var at32 = Flip(bank[target], 32, random);

            Assert.Contains(new PdqMatch(target, 31), index.Query(at31));
            Assert.DoesNotContain(index.Query(at32), m => m.Id == target);
            Assert.Contains(new PdqMatch(target, 32), index.Query(at32, 32));
        }
    }

    [Fact]
    public void Reference_needles_find_exactly_what_brute_force_finds_in_the_reference_haystack()
    {
        var haystack = ReadList("haystack.txt");
        var needles = ReadList("needles.txt");
        var ids = Ids(haystack.Length);
        var index = PdqIndex.Build(haystack, ids);

        var pairs = 0;
        foreach (var needle in needles)
        {
            var expected = BruteForce(haystack, ids, needle);
            Assert.NotEmpty(expected); // every reference needle has a haystack match
            Assert.Equal(expected, index.Query(needle));
            pairs += expected.Count;
        }
        Assert.Equal(1_350, haystack.Length);
        Assert.Equal(100, needles.Length);
        Assert.Equal(250, pairs);
    }

    [Fact]
    public void Matches_come_nearest_first_with_each_entry_once()
    {
        var random = new Random(5);
        var seed = Uniform(random);
        var bank = new[] { Flip(seed, 20, random), seed, Flip(seed, 3, random), Uniform(random), Flip(seed, 3, random) };
        var index = PdqIndex.Build(bank, [50, 40, 30, 20, 10]);

        var matches = index.Query(seed);

        Assert.Equal([new PdqMatch(40, 0), new PdqMatch(10, 3), new PdqMatch(30, 3), new PdqMatch(50, 20)], matches);
    }

    [Fact]
    public void An_added_hash_matches_at_once_and_a_removed_one_no_longer_does()
    {
        var random = new Random(6);
        var bank = ClusteredBank(5_000, random);
        var index = PdqIndex.Build(bank, Ids(bank.Length), new PdqIndexOptions { MergeInBackground = false });
        var added = Uniform(random);

        index.Add(added, 9_999);

        Assert.Equal([new PdqMatch(9_999, 4)], index.Query(Flip(added, 4, random)));
        Assert.Equal(5_001, index.Count);

        Assert.Equal(1, index.Remove(9_999));
        Assert.Equal(1, index.Remove(17));

        Assert.Empty(index.Query(added));
        Assert.DoesNotContain(index.Query(bank[17]), m => m.Id == 17);
        Assert.Equal(4_999, index.Count);
        Assert.Equal(0, index.Remove(17));
    }

    [Fact]
    public void A_removed_id_can_be_added_again_with_a_new_hash()
    {
        var random = new Random(7);
        var bank = UniformBank(2_000, random);
        var index = PdqIndex.Build(bank, Ids(bank.Length), new PdqIndexOptions { MergeInBackground = false });
        var replacement = Uniform(random);

        index.Remove(3);
        index.Add(replacement, 3);

        Assert.Empty(index.Query(bank[3]));
        Assert.Equal([new PdqMatch(3, 0)], index.Query(replacement));
        index.Merge();
        Assert.Empty(index.Query(bank[3]));
        Assert.Equal([new PdqMatch(3, 0)], index.Query(replacement));
    }

    [Theory]
    [InlineData(41, 0)]
    [InlineData(42, 11)]
    public void Adds_removals_and_merges_keep_results_equal_to_brute_force(int seed, int slots)
    {
        var random = new Random(seed);
        var pool = ClusteredBank(12_000, random);
        var live = new Dictionary<long, PdqHash>();
        for (var i = 0; i < 4_000; i++)
        {
            live[i] = pool[i];
        }
        var index = PdqIndex.Build(pool.AsSpan(0, 4_000), Ids(4_000),
            new PdqIndexOptions { Layout = Layout(slots), MergeThreshold = 1_500, MergeInBackground = false });
        var next = 4_000;

        for (var round = 0; round < 8; round++)
        {
            for (var i = 0; i < 1_000; i++)
            {
                index.Add(pool[next], next);
                live[next] = pool[next];
                next++;
            }
            foreach (var id in live.Keys.Where(_ => random.Next(20) == 0).ToArray())
            {
                Assert.Equal(1, index.Remove(id));
                live.Remove(id);
            }
            if (round % 3 == 2)
            {
                index.Merge();
                Assert.Equal(0, index.PendingCount);
            }

            Assert.Equal(live.Count, index.Count);
            var hashes = live.Values.ToArray();
            var ids = live.Keys.ToArray();
            foreach (var query in Queries(hashes, 150, random))
            {
                Assert.Equal(BruteForce(hashes, ids, query), index.Query(query));
            }
        }
    }

    [Fact]
    public async Task Readers_see_every_completed_add_and_removal_while_a_writer_adds_and_merges()
    {
        var random = new Random(21);
        var initial = ClusteredBank(20_000, random);
        var added = ClusteredBank(12_000, random);
        var all = initial.Concat(added).ToArray();
        var index = PdqIndex.Build(initial, Ids(initial.Length), new PdqIndexOptions { MergeThreshold = 2_500 });
        var addsDone = 0;
        var removalsDone = 0; // ids 0, 10, 20, ... below 10 * removalsDone are removed
        var writing = true;

        var writer = Task.Run(() =>
        {
            try
            {
                for (var i = 0; i < added.Length; i++)
                {
                    index.Add(added[i], initial.Length + i);
                    Volatile.Write(ref addsDone, i + 1);
                    if (i % 6 == 0)
                    {
                        Assert.Equal(1, index.Remove(10L * removalsDone));
                        Volatile.Write(ref removalsDone, removalsDone + 1);
                    }
                    if (i == added.Length / 2)
                    {
                        // Let a background merge finish mid-way, so later adds and removals land on a merged index.
                        Assert.True(SpinWait.SpinUntil(() => index.PendingCount < 2_500, TimeSpan.FromSeconds(60)), "no background merge finished");
                    }
                }
            }
            finally
            {
                // Also when an assertion fails here: the readers stop instead of spinning forever.
                Volatile.Write(ref writing, false);
            }
        });
        var readers = Enumerable.Range(0, 2).Select(reader => Task.Run(() =>
        {
            var own = new Random(reader);
            var checks = 0;
            var deadline = Stopwatch.StartNew();
            while ((Volatile.Read(ref writing) || checks < 500) && deadline.Elapsed < TimeSpan.FromMinutes(3))
            {
                var adds = Volatile.Read(ref addsDone);
                var removals = Volatile.Read(ref removalsDone);
                if (adds > 0)
                {
                    var i = own.Next(adds);
                    var query = Flip(added[i], own.Next(32), own);
                    var matches = index.Query(query);
                    Assert.Contains(new PdqMatch(initial.Length + i, all[initial.Length + i].Distance(query)), matches);
                    Assert.All(matches, m => Assert.Equal(all[m.Id].Distance(query), m.Distance));
                    Assert.All(matches, m => Assert.True(m.Distance <= PdqHash.MatchThreshold));
                }
                if (removals > 0)
                {
                    var removed = 10L * own.Next(removals);
                    Assert.DoesNotContain(index.Query(initial[removed]), m => m.Id == removed);
                }
                checks++;
            }
            return checks;
        })).ToArray();

        await writer;
        var checks = await Task.WhenAll(readers);

        Assert.All(checks, c => Assert.True(c >= 500));
        index.Merge();
        var removedIds = Enumerable.Range(0, removalsDone).Select(k => 10L * k).ToHashSet();
        var liveIds = Ids(all.Length).Where(id => !removedIds.Contains(id)).ToArray();
        var liveHashes = liveIds.Select(id => all[id]).ToArray();
        Assert.Equal(liveIds.Length, index.Count);
        foreach (var query in Queries(all, 300, random))
        {
            Assert.Equal(BruteForce(liveHashes, liveIds, query), index.Query(query));
        }
    }

    [Fact]
    public void A_merge_into_a_million_hashes_allocates_about_one_slot_not_a_second_index()
    {
        var random = new Random(61);
        var bank = UniformBank(1_000_000, random);
        var index = PdqIndex.Build(bank, Ids(bank.Length), new PdqIndexOptions { MergeInBackground = false });
        var slot = index.MemoryBytes / index.Layout.SlotCount; // about one slot's postings and offsets, a share of the hashes
        var added = UniformBank(2 * 16_384, random);

        for (var merge = 0; merge < 2; merge++)
        {
            for (var i = 0; i < 16_384; i++)
            {
                index.Add(added[merge * 16_384 + i], bank.Length + merge * 16_384 + i);
            }
            var before = index.MemoryBytes;
            var allocated = GC.GetAllocatedBytesForCurrentThread();
            index.Merge(); // on this thread: every allocation of the merge is counted
            allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;

            Assert.Equal(0, index.PendingCount);
            Assert.True(allocated < before * 15 / 100, $"merge {merge} allocated {allocated:N0} bytes; the index holds {before:N0}");
            Assert.True(allocated < 2 * slot, $"merge {merge} allocated {allocated:N0} bytes, more than two slots' worth ({slot:N0} each)");
            Assert.True(index.MemoryBytes - before < before / 50, $"the index grew from {before:N0} to {index.MemoryBytes:N0} bytes");
        }
        Assert.Equal(bank.Length + added.Length, index.Count);
        foreach (var i in new[] { 0, 16_383, 16_384, added.Length - 1 })
        {
            Assert.Equal([new PdqMatch(bank.Length + i, 3)], index.Query(Flip(added[i], 3, random)));
        }
        Assert.Equal([new PdqMatch(123_456, 0)], index.Query(bank[123_456]));
    }

    [Theory]
    [InlineData(51, 0)]
    [InlineData(52, 13)] // slots of 20 and 19 bits: a replaced 20-bit slot's offsets do not fit a 19-bit one
    public void Queries_adds_and_removals_between_the_slots_of_a_merge_see_exact_results(int seed, int slots)
    {
        var random = new Random(seed);
        var pool = ClusteredBank(30_000, random);
        var live = new Dictionary<long, PdqHash>();
        for (var i = 0; i < 20_000; i++)
        {
            live[i] = pool[i];
        }
        var index = PdqIndex.Build(pool.AsSpan(0, 20_000), Ids(20_000),
            new PdqIndexOptions { Layout = Layout(slots), MergeInBackground = false });
        var next = 20_000;
        var replacementId = 1_000_000L;
        var checkedSlots = new List<int>();
        index.SlotMerged = slot =>
        {
            checkedSlots.Add(slot);
            AssertMatchesBruteForce(index, live, random, 40);
            // Writes while the merge is between slots: an add, a frozen and a pending removal, a re-add with a new hash.
            index.Add(pool[next], next);
            live[next] = pool[next];
            next++;
            foreach (var id in new[] { live.Keys.First(), live.Keys.Last() })
            {
                Assert.Equal(1, index.Remove(id));
                live.Remove(id);
            }
            var readded = live.Keys.ElementAt(random.Next(live.Count));
            Assert.Equal(1, index.Remove(readded));
            live.Remove(readded);
            var replacement = Flip(pool[readded], 10, random);
            index.Add(replacement, readded);
            live[readded] = replacement;
            index.Add(Uniform(random), replacementId);
            Assert.Equal(1, index.Remove(replacementId++)); // added and removed during the merge: never found
        };

        for (var round = 0; round < 3; round++)
        {
            for (var i = 0; i < 2_000; i++)
            {
                index.Add(pool[next], next);
                live[next] = pool[next];
                next++;
            }
            checkedSlots.Clear();
            index.Merge();

            Assert.Equal(Enumerable.Range(0, index.Layout.SlotCount), checkedSlots);
            Assert.Equal(3 * index.Layout.SlotCount, index.PendingCount); // the adds made between the slots
            Assert.Equal(live.Count, index.Count);
            AssertMatchesBruteForce(index, live, random, 200);
        }
    }

    [Fact]
    public void Removing_a_quarter_of_the_entries_makes_the_next_merge_compact_them_away()
    {
        var random = new Random(71);
        var bank = ClusteredBank(40_000, random);
        var index = PdqIndex.Build(bank, Ids(bank.Length), new PdqIndexOptions { MergeInBackground = false });
        var live = Enumerable.Range(0, bank.Length).ToDictionary(i => (long)i, i => bank[i]);
        var before = index.MemoryBytes;
        index.Add(Uniform(random), 6); // id 6 twice: both entries go
        for (var id = 0L; id < bank.Length; id += 3)
        {
            Assert.Equal(id == 6 ? 2 : 1, index.Remove(id));
            live.Remove(id);
        }
        index.Add(bank[0], 0); // removed, then added again before the compaction
        live[0] = bank[0];

        index.Merge();

        Assert.Equal(live.Count, index.Count);
        Assert.Equal(0, index.PendingCount);
        Assert.True(before - index.MemoryBytes > 13_334 * 40, $"{index.MemoryBytes:N0} bytes after compaction, {before:N0} before"); // each dropped entry held 40 bytes or more
        AssertMatchesBruteForce(index, live, random, 300);
        Assert.Equal(1, index.Remove(0));
        Assert.Equal(0, index.Remove(3));
    }

    [Fact]
    public void An_index_grown_by_adds_changes_layout_only_when_the_chosen_one_is_clearly_cheaper()
    {
        var random = new Random(81);
        var pool = UniformBank(60_000, random);
        var index = new PdqIndex(new PdqIndexOptions { MergeThreshold = 4_096, MergeInBackground = false });
        var layouts = new List<int>();

        for (var i = 0; i < pool.Length; i++)
        {
            index.Add(pool[i], i);
            if (index.PendingCount == 4_096)
            {
                index.Merge();
                var chosen = PdqSlotLayout.ForBankSize(index.Count);
                Assert.True(index.Layout.EstimatedCost(index.Count) <= 1.15 * chosen.EstimatedCost(index.Count),
                    $"at {index.Count:N0} the index kept {index.Layout}; {chosen} is estimated cheaper");
                layouts.Add(index.Layout.SlotCount);
            }
        }

        Assert.Equal(PdqSlotLayout.ForBankSize(4_096).SlotCount, layouts[0]);
        Assert.True(layouts.Distinct().Count() < layouts.Count / 2, $"layouts by merge: {string.Join(", ", layouts)}");
        var ids = Ids(pool.Length);
        foreach (var query in Queries(pool, 200, random))
        {
            Assert.Equal(BruteForce(pool, ids, query), index.Query(query));
        }
    }

    [Fact]
    public void An_empty_index_finds_nothing_until_a_hash_is_added()
    {
        var index = new PdqIndex();
        var hash = Uniform(new Random(1));

        Assert.Empty(index.Query(hash));
        index.Add(hash, 77);
        Assert.Equal([new PdqMatch(77, 0)], index.Query(hash));
        index.Merge();
        Assert.Equal([new PdqMatch(77, 0)], index.Query(hash));
        Assert.Equal(1, index.Count);
    }

    [Fact]
    public void Build_rejects_a_different_number_of_hashes_and_ids()
    {
        var hashes = UniformBank(3, new Random(1));

        var error = Assert.Throws<ArgumentException>(() => PdqIndex.Build(hashes, [1, 2]));

        Assert.Contains("3 hashes but 2 ids", error.Message);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(257)]
    public void Query_rejects_a_distance_outside_0_to_256(int maxDistance)
    {
        var index = PdqIndex.Build(UniformBank(3, new Random(1)), [1, 2, 3]);

        Assert.Throws<ArgumentOutOfRangeException>(() => index.Query(default, maxDistance));
    }

    private static void AssertEqualsBruteForce(PdqHash[] bank, PdqHash[] queries, int slots)
    {
        // Ids out of bank order, so the index's id sort is exercised.
        var ids = Ids(bank.Length).Select(i => (i * 7_919L) % bank.Length + 1_000_000).ToArray();
        var index = PdqIndex.Build(bank, ids, new PdqIndexOptions { Layout = Layout(slots) });
        if (slots > 0)
        {
            Assert.Equal(slots, index.Layout.SlotCount);
        }

        var matched = 0;
        foreach (var query in queries)
        {
            var expected = BruteForce(bank, ids, query);
            Assert.Equal(expected, index.Query(query));
            matched += expected.Count > 0 ? 1 : 0;
        }
        Assert.True(matched > queries.Length / 3, $"only {matched} queries had a match: the test would prove little");
    }

    private static void AssertMatchesBruteForce(PdqIndex index, Dictionary<long, PdqHash> live, Random random, int queries)
    {
        var hashes = live.Values.ToArray();
        var ids = live.Keys.ToArray();
        foreach (var query in Queries(hashes, queries, random))
        {
            Assert.Equal(BruteForce(hashes, ids, query), index.Query(query));
        }
    }

    private static PdqSlotLayout? Layout(int slots) => slots == 0 ? null : PdqSlotLayout.WithSlots(slots);

    private static long[] Ids(int count) => Enumerable.Range(0, count).Select(i => (long)i).ToArray();

    private static PdqHash[] ReadList(string file) =>
        File.ReadLines(Path.Combine(ListsDir, file)).Where(l => l.Length > 0).Select(l => PdqHash.Parse(l.Trim())).ToArray();
}
