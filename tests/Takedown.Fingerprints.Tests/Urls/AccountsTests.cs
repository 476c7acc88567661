using Takedown.Fingerprints.Urls;

namespace Takedown.Fingerprints.Tests.Urls;

public sealed class AccountsTests
{
    // Real URL shapes per platform and the account each one names.
    public static TheoryData<string, string> Derived => new()
    {
        // X / Twitter: the handle in profile and status paths, any host alias, case ignored; numeric ids from the id forms.
        { "https://twitter.com/SomeUser/status/1790000000000000001", "x:someuser" },
        { "https://mobile.twitter.com/someuser/status/1790000000000000001?s=20&t=abc", "x:someuser" },
        { "https://x.com/Some_User/status/1790000000000000001/photo/1", "x:some_user" },
        { "https://www.x.com/a/statuses/1790000000000000001", "x:a" },
        { "https://x.com/SomeUser", "x:someuser" },
        { "https://twitter.com/someuser/with_replies", "x:someuser" },
        { "https://x.com/i/user/783214", "x:id:783214" },
        { "https://twitter.com/intent/user?user_id=783214", "x:id:783214" },
        { "https://twitter.com/intent/user?screen_name=SomeUser", "x:someuser" },

        // Telegram: public channels by name (web preview, aliases, subdomain form), private channels by id.
        { "https://t.me/Channel_Name/123", "telegram:channel_name" },
        { "https://t.me/s/channel_name/123?single", "telegram:channel_name" },
        { "https://telegram.me/Channel_Name", "telegram:channel_name" },
        { "https://telegram.dog/s/channel_name/123/?embed=1", "telegram:channel_name" },
        { "https://somechannel.t.me/", "telegram:somechannel" },
        { "https://t.me/c/1234567890/55", "telegram:id:1234567890" },

        // YouTube: channel ids keep their case; handles are lower-cased without the @.
        { "https://www.youtube.com/channel/UCuAXFkgsw1L7xaCfnd5JJOw", "youtube:id:UCuAXFkgsw1L7xaCfnd5JJOw" },
        { "https://m.youtube.com/channel/UCuAXFkgsw1L7xaCfnd5JJOw/videos?view=0", "youtube:id:UCuAXFkgsw1L7xaCfnd5JJOw" },
        { "https://www.youtube.com/@SomeChannel", "youtube:somechannel" },
        { "https://m.youtube.com/@somechannel/videos/?si=abc&feature=shared", "youtube:somechannel" },
        { "https://youtube.com/@Some.Channel-1/shorts", "youtube:some.channel-1" },

        // Facebook: pages by name or numeric id, profile.php and story.php owners, groups by name (their own namespace) or id.
        { "https://www.facebook.com/SomePage", "facebook:somepage" },
        { "https://touch.facebook.com/somepage/posts/123456789012345/", "facebook:somepage" },
        { "https://m.facebook.com/somepage/videos/987654321098765/", "facebook:somepage" },
        { "https://www.facebook.com/100064488880808/posts/pfbid02AbCdEfGh", "facebook:id:100064488880808" },
        { "https://m.facebook.com/story.php?story_fbid=pfbid02AbCdEfGh&id=100064488880808&mibextid=Nif5oz", "facebook:id:100064488880808" },
        { "https://m.facebook.com/profile.php?id=100012345678901&ref=bookmarks", "facebook:id:100012345678901" },
        { "https://www.facebook.com/people/Some-Name/100012345678901/", "facebook:id:100012345678901" },
        { "https://www.facebook.com/groups/ExampleGroup/permalink/778899/", "facebook:group:examplegroup" },
        { "https://www.facebook.com/groups/1234567890123/posts/778899", "facebook:id:1234567890123" },

        // Instagram: the user of a profile, of /{user}/p/{code} and of a story.
        { "https://www.instagram.com/SomeOne/?hl=en", "instagram:someone" },
        { "https://instagram.com/some.one_1/reels/", "instagram:some.one_1" },
        { "https://www.instagram.com/someone/p/C8xYz12AbCd/?img_index=2", "instagram:someone" },
        { "https://www.instagram.com/stories/SomeOne/3412345678901234567/", "instagram:someone" },

        // TikTok: the @user of a profile or video, on any host alias.
        { "https://www.tiktok.com/@Some.User/video/7301234567890123456?is_from_webapp=1&sender_device=pc", "tiktok:some.user" },
        { "https://m.tiktok.com/@some_user", "tiktok:some_user" },
    };

    // URLs that name content but no account, or not an account at all.
    public static TheoryData<string> NoAccount => new()
    {
        "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
        "https://youtu.be/dQw4w9WgXcQ",
        "https://x.com/i/status/1790000000000000001",
        "https://twitter.com/i/web/status/1790000000000000001",
        "https://t.co/AbCdEf123",
        "https://x.com/search?q=x",
        "https://x.com/hashtag/news",
        "https://t.me/+AbCdEfGhIjK",
        "https://t.me/joinchat/AbCdEfGhIjK",
        "https://www.facebook.com/watch?v=987654321098765",
        "https://www.facebook.com/photo.php?fbid=556677889900",
        "https://fb.watch/aBcD12xYz",
        "https://www.facebook.com/share/p/AbCdEf/",
        "https://www.instagram.com/p/C8xYz12AbCd",
        "https://www.instagram.com/reel/C8xYz12AbCd/",
        "https://www.instagram.com/explore/tags/news/",
        "https://vm.tiktok.com/ZMabc123/",
        "https://www.tiktok.com/t/ZTabc123/",
        "https://example.org/someone",
        "not a url",
    };

    [Theory]
    [MemberData(nameof(Derived))]
    public void A_url_names_the_account_it_sits_under(string url, string account) =>
        Assert.Equal(account, Accounts.FromUrl(url));

    [Theory]
    [MemberData(nameof(NoAccount))]
    public void A_url_without_an_account_names_none(string url) =>
        Assert.Null(Accounts.FromUrl(url));

    // What a reporter writes in a report's account field, on the report's platform, and the id it becomes.
    public static TheoryData<string, string, string?> Named => new()
    {
        { Platforms.X, "@SomeUser", "x:someuser" },
        { Platforms.X, "someuser", "x:someuser" },
        { Platforms.X, "X:SomeUser", "x:someuser" },
        { Platforms.X, "https://twitter.com/SomeUser", "x:someuser" },
        { Platforms.X, "id:783214", "x:id:783214" },
        { Platforms.X, "https://t.me/somechannel", null },      // another platform's account
        { Platforms.X, "some user", null },
        { Platforms.Telegram, "@Channel_Name", "telegram:channel_name" },
        { Platforms.YouTube, "UCuAXFkgsw1L7xaCfnd5JJOw", "youtube:id:UCuAXFkgsw1L7xaCfnd5JJOw" },
        { Platforms.YouTube, "@SomeChannel", "youtube:somechannel" },
        { Platforms.Facebook, "100064488880808", "facebook:id:100064488880808" },
        { Platforms.Facebook, "group:ExampleGroup", "facebook:group:examplegroup" },
        { Platforms.Instagram, "@Some.One", "instagram:some.one" },
        { Platforms.TikTok, "@Some_User", "tiktok:some_user" },
        { "rumble", "@SomeChannel", "rumble:SomeChannel" },    // a platform whose case rules we do not know keeps the case
        { Platforms.X, "", null },
    };

    [Theory]
    [MemberData(nameof(Named))]
    public void A_named_account_is_canonicalised_on_its_platform(string platform, string account, string? expected) =>
        Assert.Equal(expected, Accounts.Canonical(platform, account));
}
