using System.Text.RegularExpressions;

namespace Takedown.Fingerprints.Urls;

/// <summary>
/// The account, channel, page or group that posted a piece of content, as one id per account:
/// <c>{platform}:{handle}</c> for a name (lower-case, no <c>@</c>), <c>{platform}:id:{id}</c> for a platform's own id
/// (X and Facebook numeric ids, Telegram private channel ids, YouTube <c>UC…</c> channel ids, which are case-sensitive),
/// and <c>facebook:group:{name}</c> for a Facebook group's name, a namespace of its own. A renamed account keeps its id
/// but not its handle: the two forms of one account are not joined here.
/// </summary>
/// <remarks>See docs/fingerprints.md, "Accounts", for the URL shapes each platform is read from.</remarks>
public static partial class Accounts
{
    private const int MaxLength = 200;

    /// <summary>The account a URL names or sits under, or null when the URL carries none (a YouTube video, a short link).</summary>
    public static string? FromUrl(string? url)
    {
        if (string.IsNullOrWhiteSpace(url) || !Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri) || uri.Host.Length == 0)
            return null;
        var parsed = ParsedUrl.From(uri);
        return Platforms.FromHost(parsed.Host) switch
        {
            Platforms.X => X(parsed),
            Platforms.Telegram => Telegram(parsed),
            Platforms.YouTube => YouTube(parsed),
            Platforms.Facebook => Facebook(parsed),
            Platforms.Instagram => Instagram(parsed),
            Platforms.TikTok => TikTok(parsed),
            _ => null,
        };
    }

    /// <summary>
    /// The canonical id of an account a reporter names for content on <paramref name="platform"/>: a handle
    /// (<c>@Name</c> or <c>Name</c>), a profile or channel URL, or an id already in canonical form. Null when it names
    /// none the platform could have; on platforms Takedown does not know, the name is kept as given without its <c>@</c>.
    /// </summary>
    public static string? Canonical(string platform, string? account)
    {
        var value = account?.Trim();
        if (string.IsNullOrEmpty(value) || value.Length > MaxLength)
            return null;
        if (value.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || value.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
            return FromUrl(value) is { } fromUrl && fromUrl.StartsWith(platform + ":", StringComparison.Ordinal) ? fromUrl : null;
        if (value.StartsWith(platform + ":", StringComparison.OrdinalIgnoreCase))
            value = value[(platform.Length + 1)..];
        if (value.StartsWith("id:", StringComparison.OrdinalIgnoreCase))
            return Id(platform, value[3..]);
        if (platform == Platforms.Facebook && value.StartsWith("group:", StringComparison.OrdinalIgnoreCase))
            return FacebookGroup(value[6..]);
        var handle = value.TrimStart('@');
        return platform switch
        {
            Platforms.X => XHandle().IsMatch(handle) ? Handle(platform, handle) : null,
            Platforms.Telegram => TelegramName().IsMatch(handle) ? Handle(platform, handle) : null,
            Platforms.YouTube => YouTubeChannelId().IsMatch(handle) ? $"youtube:id:{handle}" : YouTubeHandle().IsMatch(handle) ? Handle(platform, handle) : null,
            Platforms.Facebook => handle.All(char.IsAsciiDigit) ? Id(platform, handle) : FacebookName().IsMatch(handle) ? Handle(platform, handle) : null,
            Platforms.Instagram => InstagramName().IsMatch(handle) ? Handle(platform, handle) : null,
            Platforms.TikTok => TikTokName().IsMatch(handle) ? Handle(platform, handle) : null,
            _ => handle.Length > 0 && !handle.Any(char.IsWhiteSpace) ? $"{platform}:{handle}" : null,
        };
    }

    private static string? Id(string platform, string id) => platform switch
    {
        Platforms.YouTube => YouTubeChannelId().IsMatch(id) ? $"youtube:id:{id}" : null,
        Platforms.X or Platforms.Facebook or Platforms.Telegram or Platforms.Instagram or Platforms.TikTok =>
            id.Length is > 0 and <= 20 && id.All(char.IsAsciiDigit) ? $"{platform}:id:{id}" : null,
        _ => id.Length > 0 && !id.Any(char.IsWhiteSpace) ? $"{platform}:id:{id}" : null,
    };

    private static string Handle(string platform, string handle) => $"{platform}:{handle.ToLowerInvariant()}";

    // x.com/{user}, /{user}/status/{id}, /{user}/with_replies…, /i/user/{id}, /intent/user?user_id={id}; t.co short links name no one.
    private static string? X(ParsedUrl url)
    {
        if (url.Host == "t.co")
            return null;
        return url.Segments switch
        {
            ["i", "user", var id, ..] => Id(Platforms.X, id),
            ["intent", "user" or "follow"] => url["user_id"] is { } id ? Id(Platforms.X, id) : url["screen_name"] is { } name && XHandle().IsMatch(name) ? Handle(Platforms.X, name) : null,
            [var user, ..] when !XReserved.Contains(user) && XHandle().IsMatch(user) => Handle(Platforms.X, user),
            _ => null,
        };
    }

    // t.me/{channel}[/{post}], t.me/s/{channel}/…, {channel}.t.me, t.me/c/{id}/{post} (a private channel's id); invite links (+…, joinchat) name no one.
    private static string? Telegram(ParsedUrl url)
    {
        var segments = url.Segments;
        if (url.Host.Split('.') is [var subdomain, _, _] && subdomain != "www")
            segments = [subdomain, .. segments];
        if (segments is ["s", .. var rest])
            segments = rest;
        return segments switch
        {
            ["c", var id, ..] => Id(Platforms.Telegram, id),
            [var channel, ..] when !TelegramReserved.Contains(channel.ToLowerInvariant()) && TelegramName().IsMatch(channel) => Handle(Platforms.Telegram, channel),
            _ => null,
        };
    }

    // youtube.com/channel/UC…, /@handle[/videos…]; a video URL names its video, not its channel.
    private static string? YouTube(ParsedUrl url)
    {
        if (url.Host == "youtu.be")
            return null;
        return url.Segments switch
        {
            ["channel", var id, ..] when YouTubeChannelId().IsMatch(id) => $"youtube:id:{id}",
            [var handle, ..] when handle.StartsWith('@') && YouTubeHandle().IsMatch(handle[1..]) => Handle(Platforms.YouTube, handle[1..]),
            _ => null,
        };
    }

    // facebook.com/{page}[/posts|videos|photos…], profile.php?id=, story.php?id=, /people/{name}/{id}, /groups/{name or id}/….
    private static string? Facebook(ParsedUrl url)
    {
        if (url.Host is "fb.watch" or "fb.me" || url.Host.EndsWith(".fb.me", StringComparison.Ordinal))
            return null;
        return url.Segments switch
        {
            ["profile.php" or "story.php" or "permalink.php"] => url["id"] is { } id ? Id(Platforms.Facebook, id) : null,
            ["people", _, var id, ..] => Id(Platforms.Facebook, id),
            ["pages", _, var id, ..] => Id(Platforms.Facebook, id),
            ["groups", var group, ..] => group.All(char.IsAsciiDigit) ? Id(Platforms.Facebook, group) : FacebookGroup(group),
            [var page, ..] when !FacebookReserved.Contains(page.ToLowerInvariant()) =>
                page.All(char.IsAsciiDigit) ? Id(Platforms.Facebook, page) : FacebookName().IsMatch(page) ? Handle(Platforms.Facebook, page) : null,
            _ => null,
        };
    }

    private static string? FacebookGroup(string name) =>
        FacebookName().IsMatch(name) ? $"facebook:group:{name.ToLowerInvariant()}" : name.All(char.IsAsciiDigit) ? Id(Platforms.Facebook, name) : null;

    // instagram.com/{user}[/reels|tagged], /{user}/p/{code}, /stories/{user}/{id}; /p/{code} and /reel/{code} alone name no one.
    private static string? Instagram(ParsedUrl url) => url.Segments switch
    {
        ["stories", var user, ..] when InstagramName().IsMatch(user) && user != "highlights" => Handle(Platforms.Instagram, user),
        [var user, ..] when !InstagramReserved.Contains(user.ToLowerInvariant()) && InstagramName().IsMatch(user) => Handle(Platforms.Instagram, user),
        _ => null,
    };

    // tiktok.com/@{user}[/video/{id}]; vm./vt. and /t/ short links name no one.
    private static string? TikTok(ParsedUrl url) => url.Segments switch
    {
        [var user, ..] when user.StartsWith('@') && TikTokName().IsMatch(user[1..]) => Handle(Platforms.TikTok, user[1..]),
        _ => null,
    };

    private static readonly HashSet<string> XReserved = new(StringComparer.OrdinalIgnoreCase)
    {
        "i", "home", "explore", "search", "hashtag", "intent", "share", "settings", "notifications", "messages", "login", "logout",
        "signup", "compose", "tos", "privacy", "who_to_follow", "account", "download", "jobs", "lists", "topics", "communities",
    };

    private static readonly HashSet<string> TelegramReserved =
        ["joinchat", "addstickers", "addemoji", "addlist", "share", "proxy", "socks", "iv", "login", "setlanguage", "confirmphone", "boost", "invoice"];

    private static readonly HashSet<string> FacebookReserved =
    [
        "watch", "video.php", "photo.php", "photo", "photos", "reel", "reels", "share", "sharer.php", "events", "marketplace", "hashtag",
        "login", "login.php", "help", "gaming", "stories", "story.php", "permalink.php", "profile.php", "home.php", "search", "notifications",
        "messages", "friends", "settings", "bookmarks", "pages", "people", "groups", "l.php", "dialog", "plugins", "privacy", "policies",
    ];

    private static readonly HashSet<string> InstagramReserved =
        ["p", "reel", "reels", "tv", "stories", "explore", "accounts", "direct", "about", "developer", "legal", "web", "emails", "challenge"];

    // 4 to 15 letters, digits and '_' (older accounts may be shorter): X's rule for handles.
    [GeneratedRegex("^[A-Za-z0-9_]{1,15}$")]
    private static partial Regex XHandle();

    // Telegram public usernames: 5 to 32 characters, starting with a letter (some old and auctioned names are 4).
    [GeneratedRegex("^[A-Za-z][A-Za-z0-9_]{3,31}$")]
    private static partial Regex TelegramName();

    [GeneratedRegex("^UC[A-Za-z0-9_-]{22}$")]
    private static partial Regex YouTubeChannelId();

    // YouTube handles: 3 to 30 letters, digits, '_', '-' and '.'.
    [GeneratedRegex("^[A-Za-z0-9_.-]{3,30}$")]
    private static partial Regex YouTubeHandle();

    [GeneratedRegex("^[A-Za-z0-9.]{2,50}$")]
    private static partial Regex FacebookName();

    [GeneratedRegex("^[A-Za-z0-9._]{1,30}$")]
    private static partial Regex InstagramName();

    [GeneratedRegex("^[A-Za-z0-9._]{2,24}$")]
    private static partial Regex TikTokName();
}
