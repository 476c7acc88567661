namespace Takedown.Fingerprints.Media;

/// <summary>
/// How much of each video is found in the other: the percentage of a video's distinct usable frame hashes (quality
/// &gt;= 50) that lie within PDQ distance 31 of some usable frame of the other video.
/// </summary>
public sealed record VideoComparison(double QueryMatchedPercent, double TargetMatchedPercent)
{
    /// <summary>vPDQ's threshold: a query matches when at least 80% of its frames are found in the target.</summary>
    public const double MatchPercent = 80.0;

    /// <summary>The query is a re-upload of (or a clip from) the target. A short clip of a long video matches this way; the target's percentage says how much of it the clip covers.</summary>
    public bool IsMatch => QueryMatchedPercent >= MatchPercent;
}

/// <summary>vPDQ's brute-force comparison of two videos' frame hashes (as in the reference's matchTwoHash).</summary>
public static class VideoMatch
{
    public static VideoComparison Compare(IEnumerable<VideoFrameHash> query, IEnumerable<VideoFrameHash> target) =>
        Compare(query.Select(f => f.Hash), target.Select(f => f.Hash));

    public static VideoComparison Compare(IEnumerable<PdqHash> query, IEnumerable<PdqHash> target)
    {
        var q = Usable(query);
        var t = Usable(target);
        return new VideoComparison(PercentFound(q, t), PercentFound(t, q));
    }

    // Distinct by bits: the same frame repeated (a still scene, a looped clip) counts once.
    private static PdqHash[] Usable(IEnumerable<PdqHash> hashes) =>
    [
        .. hashes.Where(h => h.Quality >= PdqHash.MinimumUsefulQuality)
            .DistinctBy(h => (h.Bits0, h.Bits1, h.Bits2, h.Bits3)),
    ];

    private static double PercentFound(PdqHash[] from, PdqHash[] within) =>
        from.Length == 0 ? 0 : 100.0 * from.Count(h => within.Any(other => h.Matches(other))) / from.Length;
}
