extern alias reupload;

using reupload::Takedown.ReuploadDetection.Banks;

namespace Takedown.Tests.Banks;

public sealed class BankDeciderTests
{
    private const string Sha = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    private const string Md5 = "098f6bcd4621d373cade4e832627b4f6";
    private static readonly DateTimeOffset T0 = new(2025, 3, 1, 10, 0, 0, TimeSpan.Zero);
    private static readonly Guid Content = Guid.Parse("0195f2a4-0000-7000-8000-000000000001");

    private static readonly HashSet<(string, string)> NothingBanked = [];

    private sealed class Scenario(BankCommand command)
    {
        private readonly IBankEvent[] _decided = Bank.Decide(command, Bank.Aggregate.Initial(Bank.StreamId("gifct")));

        public void Then(params IBankEvent[] expected) => Assert.Equal(expected, _decided);

        public void ThenNothing() => Assert.Empty(_decided);
    }

    private static Scenario When(BankCommand command) => new(command);

    [Fact]
    public void Hashes_already_banked_and_repeats_within_the_command_are_not_added_again() =>
        When(new AddHashes(
                [new("media-sha256", Sha, "first", "tat"), new("media-md5", Md5, "l", "tat"), new("media-sha256", Sha, "repeat", "tat")],
                null, new HashSet<(string, string)> { ("media-md5", Md5) }, T0))
            .Then(new HashAdded("gifct", "media-sha256", Sha, null, "first", "tat", T0));

    [Fact]
    public void A_removed_contents_hashes_are_added_with_that_content() =>
        When(new AddHashes([new("media-sha256", Sha, "removed from x", "platform")], Content, NothingBanked, T0))
            .Then(new HashAdded("gifct", "media-sha256", Sha, Content, "removed from x", "platform", T0));

    [Fact]
    public void Removing_a_banked_hash_records_who_removed_it() =>
        When(new RemoveHash("media-sha256", Sha, Banked: true, "api-key:analyst@tat", T0))
            .Then(new HashRemoved("gifct", "media-sha256", Sha, "api-key:analyst@tat", T0));

    [Fact]
    public void Removing_a_hash_the_bank_does_not_hold_decides_nothing() =>
        When(new RemoveHash("media-sha256", Sha, Banked: false, "api-key:analyst@tat", T0)).ThenNothing();
}
