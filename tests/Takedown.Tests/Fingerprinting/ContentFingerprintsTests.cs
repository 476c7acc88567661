extern alias reupload;

using reupload::Takedown.ReuploadDetection.Banks;
using reupload::Takedown.ReuploadDetection.Fingerprinting;
using Fingerprint = Takedown.Contracts.Fingerprint;

namespace Takedown.Tests.Fingerprinting;

public sealed class ContentFingerprintsTests
{
    private const string Pdq = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22";
    private const string Sha = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    private static readonly DateTimeOffset T0 = new(2025, 3, 1, 10, 0, 0, TimeSpan.Zero);
    private static readonly Guid Id = Guid.Parse("0195f2a4-0000-7000-8000-000000000001");
    private static readonly Guid Removed = Guid.Parse("0195f2a4-0000-7000-8000-000000000002");
    private static readonly IReadOnlyList<Fingerprint> Fingerprints =
        [new() { Signal = Signals.MediaSha256, Value = Sha }, new() { Signal = Signals.Pdq, Value = Pdq }];

    private sealed class Scenario(IFingerprintEvent[] history)
    {
        private IFingerprintEvent[] _decided = [];

        public Scenario When(FingerprintContent command)
        {
            _decided = ContentFingerprints.Decide(command, history.Aggregate(ContentFingerprints.None, ContentFingerprints.Evolve));
            return this;
        }

        public void Then(params IFingerprintEvent[] expected) => Assert.Equal(expected, _decided);

        public void ThenNothing() => Assert.Empty(_decided);
    }

    private static Scenario Given(params IFingerprintEvent[] history) => new(history);

    private static FingerprintContent Fingerprint(params BankMatch[] matches) => new(Id, Fingerprints, matches, T0);

    private static BankMatch Match(string signal, string value, Guid? content, string bank = Bank.Removed, string label = "removed from x", int distance = 0) =>
        new(signal, value, new BankEntry(bank, signal, value, content, label, "platform"), distance);

    [Fact]
    public void A_first_submission_records_its_fingerprints() =>
        Given().When(Fingerprint()).Then(new ContentFingerprinted(Id, Fingerprints, T0));

    [Fact]
    public void The_same_fingerprints_again_record_nothing() =>
        Given(new ContentFingerprinted(Id, Fingerprints, T0.AddDays(-1))).When(Fingerprint()).ThenNothing();

    [Fact]
    public void A_reupload_is_one_match_per_removed_content_at_its_closest_hash_and_never_the_content_itself() =>
        Given(new ContentFingerprinted(Id, Fingerprints, T0.AddDays(-1)))
            .When(Fingerprint(Match(Signals.MediaSha256, Sha, Id), Match(Signals.Pdq, Pdq, Removed, distance: 3), Match(Signals.MediaSha256, Sha, Removed, distance: 5)))
            .Then(new ReuploadMatched(Id, Removed, Bank.Removed, Signals.Pdq, Pdq, T0, 3));

    [Fact]
    public void An_image_among_an_imported_videos_frames_is_one_match_with_that_video() =>
        Given(new ContentFingerprinted(Id, Fingerprints, T0.AddDays(-1)))
            .When(Fingerprint(
                Match(Signals.Pdq, Pdq, null, "gifct", "video 7", 2) with { Entry = new BankEntry("gifct", Signals.Vpdq, Pdq, null, "video 7", "gifct") },
                Match(Signals.Pdq, Pdq, null, "gifct", "video 7", 4) with { Entry = new BankEntry("gifct", Signals.Vpdq, Sha, null, "video 7", "gifct") }))
            .Then(new KnownHashMatched(Id, "gifct", Signals.Pdq, Pdq, Pdq, 2, "video 7", "gifct", T0));
}
