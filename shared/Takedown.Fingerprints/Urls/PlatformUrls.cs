using System.Text.RegularExpressions;

namespace Takedown.Fingerprints.Urls;

/// <summary>
/// Per platform: find the id that identifies the post and rebuild the one URL for it; anything else keeps its path
/// on the platform's main host with the platform's share and tracking parameters removed. Ids keep their case
/// (YouTube, Instagram and Facebook ids are case-sensitive); user names, which are not, are lower-cased.
/// </summary>
internal static partial class PlatformUrls
{
    public static ParsedUrl YouTube(ParsedUrl url)
    {
        var videoId = url.Host == "youtu.be"
            ? url.Segments.FirstOrDefault()
            : url.Segments switch
            {
                ["watch"] => url["v"],
                ["shorts" or "embed" or "live" or "v" or "e", var id, ..] => id,
                _ => null,
            };
        // Everything but the video id (t=, feature=, si=, list=, pp=) is how it was shared or where it starts;
        // lc= links one comment, which is content in its own right.
        if (videoId is not null && YouTubeVideoId().IsMatch(videoId))
            return ParsedUrl.Of("www.youtube.com", "/watch", ("v", videoId)).With(url.Keeping("lc"));
        return OnMainHost(url, "youtube.com", "www.youtube.com")
            .WithoutTracking(name => name is "feature" or "pp" or "ab_channel" or "app" or "embeds_referring_euri");
    }

    /// <summary>
    /// Status URLs become <c>https://x.com/i/status/{id}</c>: the id alone identifies the post and that URL resolves,
    /// whereas the user name in <c>x.com/{user}/status/{id}</c> changes when the account is renamed.
    /// </summary>
    public static ParsedUrl X(ParsedUrl url)
    {
        if (url.Host == "t.co")
            return url with { Query = [] };   // a redirect short link: its code is the content reference we have
        var statusId = url.Segments switch
        {
            ["i", "web", "status", var id, ..] => id,
            [_, "status" or "statuses", var id, ..] => id,
            _ => null,
        };
        if (statusId is not null && statusId.All(char.IsAsciiDigit))
            return ParsedUrl.Of("x.com", "/i/status/" + statusId);
        var onX = OnMainHost(url with { Host = url.Host.Replace("twitter.com", "x.com", StringComparison.Ordinal) }, "x.com", "x.com");
        if (onX.Segments is [var handle] && UserName().IsMatch(handle))
            onX = onX with { Path = "/" + handle.ToLowerInvariant() };
        return onX.WithoutTracking(name => name is "s" or "t" or "src" or "cxt" or "ref");
    }

    /// <summary><c>t.me/s/{channel}/{post}</c> is the web preview of <c>t.me/{channel}/{post}</c>; telegram.me and telegram.dog are aliases.</summary>
    public static ParsedUrl Telegram(ParsedUrl url)
    {
        var segments = url.Segments;
        if (segments is ["s", _, ..])
            segments = segments[1..];
        // {username}.t.me is the same as t.me/{username}; without this every such page would collapse to t.me/.
        if (url.Host.Split('.') is [var subdomain, _, _] && subdomain != "www")
            segments = [subdomain, .. segments];
        if (segments is [var channel, ..] && UserName().IsMatch(channel))
            segments[0] = channel.ToLowerInvariant();
        // comment= and thread= point at a reply or a topic, which is content; single, embed and the rest are display.
        return new ParsedUrl("t.me", -1, "/" + string.Join('/', segments), []) with
        {
            Query = [.. url.Query.Where(p => p.Name is "comment" or "thread")],
        };
    }

    /// <summary>
    /// story.php and permalink.php (<c>?story_fbid=S&amp;id=P</c>) become <c>/{P}/posts/{S}</c>, the same post's path form;
    /// the video forms become <c>/watch?v={id}</c>; group permalinks become group posts. fb.watch and fb.me, and the
    /// /share/ links, are redirect short links: without resolving them we cannot know the post, so they stay as they are.
    /// </summary>
    public static ParsedUrl Facebook(ParsedUrl url)
    {
        if (url.Host is "fb.watch" or "fb.me" || url.Host.EndsWith(".fb.me", StringComparison.Ordinal))
            return url with { Query = [] };

        var main = OnMainHost(url, "facebook.com", "www.facebook.com");
        if (main.Host == "fb.com")
            main = main with { Host = "www.facebook.com" };
        var segments = main.Segments;
        switch (segments)
        {
            case ["story.php" or "permalink.php"] when main["story_fbid"] is { Length: > 0 } story && main["id"] is { Length: > 0 } owner:
                return ParsedUrl.Of(main.Host, $"/{owner}/posts/{story}").With(main.Keeping(FacebookComment));
            case ["watch" or "video.php"] when main["v"] is { } video && video.All(char.IsAsciiDigit) && video.Length > 0:
                return ParsedUrl.Of(main.Host, "/watch", ("v", video));
            case [_, "videos", .., var video] when video.All(char.IsAsciiDigit):
                return ParsedUrl.Of(main.Host, "/watch", ("v", video));
            case ["photo.php" or "photo"] when main["fbid"] is { Length: > 0 } photo:
                return ParsedUrl.Of(main.Host, "/photo.php", ("fbid", photo));
            case ["groups", var group, "permalink" or "posts", var post]:
                return ParsedUrl.Of(main.Host, $"/groups/{group.ToLowerInvariant()}/posts/{post}").With(main.Keeping(FacebookComment));
            case [var owner, "posts", var post]:
                return ParsedUrl.Of(main.Host, $"/{LowerIfUserName(owner)}/posts/{post}").With(main.Keeping(FacebookComment));
            case ["reel", var reel]:
                return ParsedUrl.Of(main.Host, "/reel/" + reel);
            case [var page] when UserName().IsMatch(page) && !page.Contains(".php", StringComparison.Ordinal):
                main = main with { Path = "/" + page.ToLowerInvariant() };
                break;
        }
        return main.WithoutTracking(name => FacebookTracking.Contains(name));
    }

    /// <summary>
    /// A post's shortcode names the media whatever the path says: <c>/p/</c>, <c>/reel/</c>, <c>/reels/</c>, <c>/tv/</c> and
    /// <c>/{user}/p/</c> all become <c>/p/{code}</c>.
    /// </summary>
    public static ParsedUrl Instagram(ParsedUrl url)
    {
        var main = OnMainHost(url with { Host = url.Host == "instagr.am" ? "instagram.com" : url.Host }, "instagram.com", "www.instagram.com");
        var shortcode = main.Segments switch
        {
            ["p" or "reel" or "reels" or "tv", var code, ..] => code,
            [_, "p" or "reel", var code, ..] => code,
            _ => null,
        };
        if (shortcode is not null)
            return ParsedUrl.Of(main.Host, "/p/" + shortcode);
        switch (main.Segments)
        {
            case ["stories", var user, var story, ..]:
                return ParsedUrl.Of(main.Host, $"/stories/{user.ToLowerInvariant()}/{story}");
            case [var user] when UserName().IsMatch(user):
                return ParsedUrl.Of(main.Host, "/" + user.ToLowerInvariant());
        }
        return main.WithoutTracking(name => name is "img_index" or "hl");
    }

    /// <summary>
    /// <c>/@{user}/video/{id}</c> (and <c>/photo/</c>) with the user lower-cased and no query. vm.tiktok.com, vt.tiktok.com
    /// and <c>/t/</c> links are redirect short links and stay as they are.
    /// </summary>
    public static ParsedUrl TikTok(ParsedUrl url)
    {
        if (url.Host is "vm.tiktok.com" or "vt.tiktok.com" || url.Segments is ["t", ..])
            return url with { Query = [] };
        var main = OnMainHost(url, "tiktok.com", "www.tiktok.com");
        switch (main.Segments)
        {
            case [var user, "video" or "photo", var id, ..] when user.StartsWith('@') && id.All(char.IsAsciiDigit):
                return ParsedUrl.Of(main.Host, $"/{user.ToLowerInvariant()}/{main.Segments[1]}/{id}");
            case [var user] when user.StartsWith('@'):
                return ParsedUrl.Of(main.Host, "/" + user.ToLowerInvariant());
        }
        return main.WithoutTracking(name => TikTokTracking.Contains(name));
    }

    // The platform's own host and its mobile/www aliases become one host; other subdomains (music., business.) stay.
    private static ParsedUrl OnMainHost(ParsedUrl url, string domain, string mainHost) =>
        url.Host == domain || MobileOrWww().Match(url.Host) is { Success: true } m && m.Groups["domain"].Value == domain
            ? url with { Host = mainHost, Port = -1 }
            : url;

    private static string LowerIfUserName(string segment) => UserName().IsMatch(segment) ? segment.ToLowerInvariant() : segment;

    // A post URL with comment_id (and reply_comment_id) names one comment under the post: that comment is the content.
    private static readonly string[] FacebookComment = ["comment_id", "reply_comment_id"];

    private static readonly HashSet<string> FacebookTracking = new(StringComparer.OrdinalIgnoreCase)
    {
        "ref", "refsrc", "fref", "hc_ref", "hc_location", "_rdc", "_fb_noscript", "paipv", "eav", "notif_id", "notif_t",
        "acontext", "sfnsn", "extid", "comment_tracking", "ref_component", "ref_page", "locale", "app",
    };

    private static readonly HashSet<string> TikTokTracking = new(StringComparer.OrdinalIgnoreCase)
    {
        "_r", "_t", "is_from_webapp", "sender_device", "web_id", "is_copy_url", "u_code", "preview_pb", "sec_user_id",
        "share_app_id", "share_author_id", "share_link_id", "timestamp", "tt_from", "user_id", "lang", "source",
    };

    [GeneratedRegex("^(www|m|mobile|mbasic|web|touch)\\.(?<domain>.+)$")]
    private static partial Regex MobileOrWww();

    [GeneratedRegex("^[A-Za-z0-9_-]{11}$")]
    private static partial Regex YouTubeVideoId();

    // Handles, channel and page names: case-insensitive on every platform here. Ids (all digits) are unaffected by lower-casing.
    [GeneratedRegex("^[A-Za-z0-9_.]{1,64}$")]
    private static partial Regex UserName();
}
