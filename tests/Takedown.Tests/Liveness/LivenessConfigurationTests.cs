extern alias reporting;

using Microsoft.Extensions.Configuration;
using reporting::Takedown.Reporting.Liveness;
using Takedown.Tests.Deployment;

namespace Takedown.Tests.Liveness;

public sealed class LivenessConfigurationTests
{
    private static LivenessOptions Bind(params string[] files)
    {
        var config = new ConfigurationBuilder();
        foreach (var file in files)
            config.AddJsonFile(Path.Combine(ComposeFileTests.RepositoryRoot(), "services", "Reporting", file), optional: false);
        return config.Build().GetSection(LivenessOptions.Section).Get<LivenessOptions>()!;
    }

    [Fact]
    public void The_shipped_settings_switch_the_monitor_on_with_valid_values()
    {
        var options = Bind("appsettings.json");

        Assert.True(options.Enabled);
        Assert.Empty(options.Validate());
        Assert.Equal(TimeSpan.FromHours(6), options.Interval);
        Assert.Equal(3, options.ConfirmAfter);
        Assert.Equal(TimeSpan.FromSeconds(15), options.Timeout);
        Assert.Equal(1024 * 1024, options.MaxBodyBytes);
        Assert.Empty(options.AllowList);
    }

    [Fact]
    public void Hosts_under_test_leave_it_off_so_no_test_reaches_the_internet()
    {
        Assert.False(Bind("appsettings.json", "appsettings.Testing.json").Enabled);
    }

    [Fact]
    public void Invalid_settings_are_named()
    {
        var options = new LivenessOptions { ConfirmAfter = 0, Jitter = 1.5, AllowList = ["10.0.0.0/40"], MaxBodyBytes = 10 };

        Assert.Equal(
            [
                "Liveness:Jitter must be in [0, 1).",
                "Liveness:ConfirmAfter must be at least 1.",
                "Liveness:MaxBodyBytes must be at least 1024.",
                "Liveness allow-list entry \"10.0.0.0/40\" is not a CIDR block (like 10.1.2.0/24 or fd12::/64).",
            ],
            options.Validate());
    }

    [Theory]
    [InlineData("www.youtube.com", "youtube")]
    [InlineData("m.youtube.com", "youtube")]
    [InlineData("youtu.be", "youtube")]
    [InlineData("x.com", "x")]
    [InlineData("mobile.twitter.com", "x")]
    [InlineData("www.facebook.com", "facebook")]
    [InlineData("t.me", "telegram")]
    [InlineData("www.tiktok.com", "tiktok")]
    [InlineData("notyoutube.com", null)]
    [InlineData("example.org", null)]
    public void Built_in_platforms_match_their_hosts_and_subdomains(string host, string? platform)
    {
        Assert.Equal(platform, UnavailablePages.BuiltInWith([]).For(host)?.Name);
    }

    [Fact]
    public void Configured_platforms_replace_a_built_in_one_of_the_same_name()
    {
        var pages = UnavailablePages.BuiltInWith([new UnavailablePage { Name = "YouTube", Hosts = ["youtube.com"], Markers = ["Gone for good"] }]);

        Assert.Equal(["Gone for good"], pages.For("www.youtube.com")!.Markers);
        Assert.NotNull(pages.For("x.com"));
    }

    [Theory]
    [InlineData("<span>Hmm...this page doesn\u2019t exist. Try searching for something else.</span>")]
    [InlineData("<span>Hmm...this page doesn&#x27;t exist.</span>")]
    [InlineData("<span>HMM...THIS PAGE DOESN'T EXIST</span>")]
    public void Markers_match_through_entities_curly_apostrophes_and_case(string html)
    {
        Assert.Equal("Hmm...this page doesn't exist", UnavailablePages.FindMarker(html, UnavailablePages.BuiltInWith([]).For("x.com")!.Markers));
    }
}
