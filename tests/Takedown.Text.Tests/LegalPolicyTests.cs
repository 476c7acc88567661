using Takedown.Triage;
using Xunit;

namespace Takedown.Text.Tests;

public class LegalPolicyTests
{
    [Theory]
    // jurisdiction, category, severity, notice type, platform → regime, allowed hours
    [InlineData("FR", "terrorist-propaganda", "P1", "removal-order", "youtube", "eu-2021-784-removal-order", 1)]
    [InlineData("EU", "hate-speech", "P2", "removal-order", "facebook", "eu-2021-784-removal-order", 1)]
    [InlineData("de", "terrorist-propaganda", "P1", "removal-order", "x", "eu-2021-784-removal-order", 1)]  // the order beats NetzDG
    [InlineData("DE", "terrorist-propaganda", "P1", null, "x", "de-netzdg-manifestly-unlawful", 24)]
    [InlineData("DE", "targeting-of-individuals", "P1", null, "facebook", "de-netzdg-manifestly-unlawful", 24)]
    [InlineData("DE", "hate-speech", "P2", null, "facebook", "de-netzdg-unlawful", 7 * 24)]
    [InlineData("DE", "abusive", "P3", null, "facebook", "de-netzdg-unlawful", 7 * 24)]
    [InlineData("DE", "needs-review", "P2", null, "facebook", "de-netzdg-unlawful", 7 * 24)]  // undecided is not manifestly unlawful; an override re-decides the clock
    [InlineData("FR", "terrorist-propaganda", "P1", null, "youtube", "platform-default", 7 * 24)]
    [InlineData("IQ", "terrorist-propaganda", "P1", "removal-order", "telegram", "platform-default", 7 * 24)]  // no EU order outside the EU
    [InlineData(null, "hate-speech", "P2", null, "facebook", "platform-default", 7 * 24)]
    [InlineData("IQ", "incitement-threat-to-life", "P0", null, "telegram", "p0-imminent-threat", 1)]
    [InlineData("DE", "incitement-threat-to-life", "P0", null, "facebook", "p0-imminent-threat", 1)]
    [InlineData(null, "incitement-threat-to-life", "P0", null, "x", "p0-imminent-threat", 1)]
    [InlineData("FR", "incitement-threat-to-life", "P0", "removal-order", "x", "eu-2021-784-removal-order", 1)]  // already the shortest
    public void The_regime_and_its_time_follow_the_policy_table(
        string? jurisdiction, string category, string severity, string? noticeType, string platform, string regime, int hours)
    {
        var decided = LegalPolicy.Default.Decide(jurisdiction, category, severity, noticeType, platform);

        Assert.Equal(new LegalRegime(regime, TimeSpan.FromHours(hours)), decided);
    }

    [Fact]
    public void A_policy_file_can_give_a_platform_its_own_default()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, """
                {
                  "version": "test",
                  "regions": {},
                  "rules": [],
                  "platformDefault": { "regime": "platform-default", "allowed": "7.00:00:00", "platforms": { "telegram": "2.00:00:00" } },
                  "imminentThreat": { "regime": "p0-imminent-threat", "severity": "P0", "allowed": "01:00:00" }
                }
                """);
            var policy = LegalPolicy.Load(path);

            Assert.Equal(new LegalRegime("platform-default", TimeSpan.FromDays(2)),
                policy.Decide("DE", "hate-speech", "P2", null, "Telegram"));
            Assert.Equal(new LegalRegime("platform-default", TimeSpan.FromDays(7)),
                policy.Decide("DE", "hate-speech", "P2", null, "facebook"));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
