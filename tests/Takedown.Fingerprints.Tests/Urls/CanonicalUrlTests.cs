using Takedown.Fingerprints.Urls;

namespace Takedown.Fingerprints.Tests.Urls;

public sealed class CanonicalUrlTests
{
    // Every URL in a row names the same content: all of them canonicalise to the first column.
    public static TheoryData<string, string[]> Equivalences => new()
    {
        // Any site: scheme, host case, default port, fragment, tracking parameters, parameter order, trailing slash, escapes.
        { "https://example.org/a/b?x=1&y=2", ["http://EXAMPLE.org:80/a/b/?y=2&x=1#top", "https://example.org./a/b?utm_source=x&x=1&fbclid=1&y=2", "https://example.org:443/a/b?y=2&x=1&gclid=9"] },
        { "https://example.org/caf%C3%A9/%2F?q=%2F", ["https://example.org/caf%c3%a9/%2f?q=%2f", "https://example.org/café/%2F?q=%2F", "https://example.org/%63af%C3%A9/%2F/?q=%2F"] },
        { "https://example.org/", ["https://example.org", "http://example.org/?utm_campaign=x", "https://Example.Org/#x"] },
        { "https://example.org:8080/x", ["http://example.org:8080/x/"] },

        // YouTube: one watch URL per video id; the start time, share id, feature and playlist are dropped.
        { "https://www.youtube.com/watch?v=dQw4w9WgXcQ", [
            "https://youtube.com/watch?v=dQw4w9WgXcQ", "http://m.youtube.com/watch?v=dQw4w9WgXcQ&feature=youtu.be",
            "https://www.youtube.com/watch?feature=share&v=dQw4w9WgXcQ&t=42s&list=PL123&index=2",
            "https://youtu.be/dQw4w9WgXcQ", "https://youtu.be/dQw4w9WgXcQ?si=AbCdEf&t=10",
            "https://www.youtube.com/shorts/dQw4w9WgXcQ?feature=share", "https://youtube.com/embed/dQw4w9WgXcQ?start=3",
            "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ", "https://www.youtube.com/live/dQw4w9WgXcQ?si=x",
            "https://music.youtube.com/watch?v=dQw4w9WgXcQ&si=z", "https://www.youtube.com/v/dQw4w9WgXcQ"] },
        { "https://www.youtube.com/@somechannel/videos", ["https://m.youtube.com/@somechannel/videos/?si=abc&feature=shared"] },
        { "https://www.youtube.com/playlist?list=PLx0sYbCqOb8TBPRdmBHs5Iftvv9TPboYG", ["https://youtube.com/playlist?list=PLx0sYbCqOb8TBPRdmBHs5Iftvv9TPboYG&si=q"] },

        // X / Twitter: the status id identifies the post, whoever's handle is in the path.
        { "https://x.com/i/status/1790000000000000001", [
            "https://twitter.com/SomeUser/status/1790000000000000001", "https://mobile.twitter.com/someuser/status/1790000000000000001?s=20&t=abc",
            "https://x.com/renamed/status/1790000000000000001/photo/1", "https://www.x.com/a/statuses/1790000000000000001",
            "https://twitter.com/i/web/status/1790000000000000001", "https://x.com/SomeUser/status/1790000000000000001?ref_src=twsrc%5Etfw"] },
        { "https://x.com/someuser", ["https://twitter.com/SomeUser", "https://mobile.x.com/someuser/?s=21"] },

        // Telegram: the web preview /s/ and the telegram.me alias are the same post.
        { "https://t.me/channel_name/123", ["https://t.me/s/channel_name/123", "https://telegram.me/Channel_Name/123", "http://t.me/channel_name/123?single", "https://telegram.dog/s/channel_name/123/?embed=1"] },
        { "https://t.me/channel_name/123?comment=45", ["https://t.me/s/channel_name/123?comment=45&single"] },
        { "https://www.youtube.com/watch?lc=UgzAbC&v=dQw4w9WgXcQ", ["https://youtu.be/dQw4w9WgXcQ?lc=UgzAbC&si=x"] },
        { "https://www.facebook.com/100064/posts/111?comment_id=222", ["https://m.facebook.com/story.php?story_fbid=111&id=100064&comment_id=222&mibextid=x"] },
        { "https://t.me/c/1234567890/55", ["https://telegram.me/c/1234567890/55"] },
        { "https://t.me/somechannel", ["https://somechannel.t.me/", "https://www.t.me/SomeChannel", "https://t.me/s/somechannel"] },

        // Facebook: story.php and permalink.php are the post's path form; every subdomain alias is www.
        { "https://www.facebook.com/100064488880808/posts/pfbid02AbCdEfGh", [
            "https://www.facebook.com/story.php?story_fbid=pfbid02AbCdEfGh&id=100064488880808",
            "https://m.facebook.com/story.php?id=100064488880808&story_fbid=pfbid02AbCdEfGh&mibextid=Nif5oz&__tn__=%2CO*F",
            "https://mbasic.facebook.com/permalink.php?story_fbid=pfbid02AbCdEfGh&id=100064488880808&ref=embed_post",
            "https://web.facebook.com/100064488880808/posts/pfbid02AbCdEfGh/?__cft__[0]=AZX&__tn__=R"] },
        { "https://www.facebook.com/somepage/posts/123456789012345", ["https://facebook.com/SomePage/posts/123456789012345?fbclid=x", "https://touch.facebook.com/somepage/posts/123456789012345/"] },
        { "https://www.facebook.com/watch?v=987654321098765", ["https://www.facebook.com/watch/?v=987654321098765&ref=sharing", "https://m.facebook.com/somepage/videos/987654321098765/", "https://www.facebook.com/somepage/videos/vb.100064/987654321098765/?type=3", "https://www.facebook.com/video.php?v=987654321098765"] },
        { "https://www.facebook.com/photo.php?fbid=556677889900", ["https://www.facebook.com/photo/?fbid=556677889900&set=a.112233", "https://m.facebook.com/photo.php?fbid=556677889900&id=100064&set=a.1&mibextid=abc"] },
        { "https://www.facebook.com/groups/examplegroup/posts/778899", ["https://www.facebook.com/groups/ExampleGroup/permalink/778899/"] },
        { "https://www.facebook.com/profile.php?id=100012345678901", ["https://m.facebook.com/profile.php?id=100012345678901&ref=bookmarks&mibextid=ZbWKwL"] },
        { "https://fb.watch/aBcD12xYz", ["https://fb.watch/aBcD12xYz/?mibextid=Nif5oz"] },

        // Instagram: the shortcode names the media, under /p/, /reel/, /reels/, /tv/ or the user's path.
        { "https://www.instagram.com/p/C8xYz12AbCd", [
            "https://instagram.com/p/C8xYz12AbCd/?igsh=MWQ1ZGUxMzBkMA==", "https://www.instagram.com/reel/C8xYz12AbCd/?igshid=abc",
            "https://www.instagram.com/reels/C8xYz12AbCd/", "https://instagr.am/p/C8xYz12AbCd", "https://www.instagram.com/someone/p/C8xYz12AbCd/?img_index=2",
            "https://m.instagram.com/tv/C8xYz12AbCd"] },
        { "https://www.instagram.com/someone", ["https://www.instagram.com/SomeOne/?hl=en"] },

        // TikTok: the user lower-cased, no query.
        { "https://www.tiktok.com/@someone/video/7350000000000000001", [
            "https://www.tiktok.com/@SomeOne/video/7350000000000000001?is_from_webapp=1&sender_device=pc&web_id=123",
            "https://m.tiktok.com/@someone/video/7350000000000000001/?_r=1&_t=8abc", "https://tiktok.com/@someone/video/7350000000000000001"] },
        { "https://vm.tiktok.com/ZMabc123", ["https://vm.tiktok.com/ZMabc123/?_r=1"] },
    };

    [Theory]
    [MemberData(nameof(Equivalences))]
    public void Equivalent_urls_share_one_canonical_form(string expected, string[] variants)
    {
        Assert.Equal(expected, CanonicalUrl.Create(expected));
        foreach (var variant in variants)
            Assert.Equal((variant, expected), (variant, CanonicalUrl.Create(variant)));
    }

    // Pairs that must stay apart: another id, or a parameter that selects the content.
    public static TheoryData<string, string> Distinct => new()
    {
        { "https://www.youtube.com/watch?v=dQw4w9WgXcQ", "https://www.youtube.com/watch?v=dQw4w9WgXcR" },
        { "https://youtu.be/dQw4w9WgXcQ", "https://youtu.be/DQW4W9WGXCQ" },   // video ids are case-sensitive
        { "https://www.youtube.com/watch?v=dQw4w9WgXcQ", "https://www.youtube.com/watch" },
        { "https://x.com/a/status/1790000000000000001", "https://x.com/a/status/1790000000000000002" },
        { "https://x.com/someuser", "https://x.com/otheruser" },
        { "https://t.me/channel_name/123", "https://t.me/channel_name/124" },
        { "https://t.me/channel_name/123", "https://t.me/channel_name/123?comment=45" },
        { "https://t.me/channel_name/123", "https://t.me/other_channel/123" },
        { "https://one_channel.t.me/", "https://other_channel.t.me/" },
        { "https://www.facebook.com/story.php?story_fbid=111&id=100064", "https://www.facebook.com/story.php?story_fbid=112&id=100064" },
        { "https://www.facebook.com/story.php?story_fbid=111&id=100064", "https://www.facebook.com/story.php?story_fbid=111&id=100065" },
        { "https://www.facebook.com/watch?v=987654321098765", "https://www.facebook.com/watch?v=987654321098766" },
        { "https://www.facebook.com/somepage/posts/123456789012345", "https://www.facebook.com/somepage/posts/123456789012345?comment_id=777" },
        { "https://www.youtube.com/watch?v=dQw4w9WgXcQ", "https://www.youtube.com/watch?v=dQw4w9WgXcQ&lc=UgzAbC" },
        { "https://www.facebook.com/profile.php?id=100012345678901", "https://www.facebook.com/profile.php?id=100012345678902" },
        { "https://www.instagram.com/p/C8xYz12AbCd", "https://www.instagram.com/p/c8xyz12abcd" },   // shortcodes are case-sensitive
        { "https://www.tiktok.com/@someone/video/7350000000000000001", "https://www.tiktok.com/@someone/video/7350000000000000002" },
        { "https://vm.tiktok.com/ZMabc123", "https://vm.tiktok.com/ZMABC123" },
        { "https://example.org/item?id=1", "https://example.org/item?id=2" },
        { "https://example.org/item?id=1", "https://example.org/item" },
        { "https://example.org/Page", "https://example.org/page" },          // paths of unknown sites keep their case
        { "https://example.org/a%2Fb", "https://example.org/a/b" },          // an escaped slash is not a path separator
        { "https://example.org:8080/x", "https://example.org/x" },
    };

    [Theory]
    [MemberData(nameof(Distinct))]
    public void Different_content_keeps_different_canonical_forms(string first, string second) =>
        Assert.NotEqual(CanonicalUrl.Create(first), CanonicalUrl.Create(second));

    [Theory]
    [InlineData(null, "A URL is required.")]
    [InlineData("", "A URL is required.")]
    [InlineData("   ", "A URL is required.")]
    [InlineData("not-a-url", "Must be an absolute http or https URL.")]
    [InlineData("/relative/path", "Must be an absolute http or https URL.")]
    [InlineData("ftp://example.org/file", "Must be an absolute http or https URL.")]
    [InlineData("javascript:alert(1)", "Must be an absolute http or https URL.")]
    [InlineData("mailto:someone@example.org", "Must be an absolute http or https URL.")]
    public void Invalid_urls_are_rejected_with_the_reason(string? raw, string expected)
    {
        Assert.False(CanonicalUrl.TryCreate(raw, out var canonical, out var error));
        Assert.Equal(expected, error);
        Assert.Equal("", canonical);
    }

    [Fact]
    public void Urls_longer_than_4096_characters_are_rejected()
    {
        Assert.False(CanonicalUrl.TryCreate("https://example.org/" + new string('a', 4096), out _, out var error));
        Assert.Equal("Must be an absolute http or https URL.", error);
    }

    [Theory]
    [InlineData("https://m.youtube.com/watch?v=x", "youtube")]
    [InlineData("https://youtu.be/dQw4w9WgXcQ", "youtube")]
    [InlineData("https://mobile.twitter.com/a/status/1", "x")]
    [InlineData("https://x.com/a", "x")]
    [InlineData("https://t.co/abc", "x")]
    [InlineData("https://telegram.me/channel/1", "telegram")]
    [InlineData("https://mbasic.facebook.com/story.php", "facebook")]
    [InlineData("https://fb.watch/abc", "facebook")]
    [InlineData("https://www.instagram.com/p/x", "instagram")]
    [InlineData("https://vm.tiktok.com/ZM1", "tiktok")]
    [InlineData("https://WWW.YOUTUBE.COM./watch", "youtube")]
    [InlineData("https://example.org/x", null)]
    [InlineData("https://notyoutube.com/watch?v=x", null)]
    [InlineData("https://x.com.example.org/a", null)]
    [InlineData("not a url", null)]
    public void The_platform_comes_from_the_host(string url, string? expected) =>
        Assert.Equal(expected, Platforms.FromUrl(url));
}
