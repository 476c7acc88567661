extern alias reporting;

using Takedown.Fingerprints.Urls;
using System.Diagnostics;
using System.Text;
using Microsoft.AspNetCore.Http;
using reporting::Takedown.Reporting.Liveness;

namespace Takedown.Tests.Liveness;

/// <summary>The probe against real local HTTP servers: verdicts, caps, redirects and the SSRF rules.</summary>
public sealed class LivenessProbeTests : IAsyncLifetime
{
    private const string Marker = "This video isn't available anymore";
    private LocalSite _site = null!;
    private LocalSite _other = null!;   // 127.0.0.2: loopback too, never allow-listed here

    public async Task InitializeAsync()
    {
        _site = await LocalSite.StartAsync("127.0.0.1");
        _other = await LocalSite.StartAsync("127.0.0.2");
        _other.Answer("/internal", 200, "secret");
    }

    public async Task DisposeAsync()
    {
        await _site.DisposeAsync();
        await _other.DisposeAsync();
    }

    private static LivenessOptions Options(params string[] allowList) => new()
    {
        AllowList = [.. allowList],
        Timeout = TimeSpan.FromSeconds(2),
        MaxBodyBytes = 64 * 1024,
        // "localhost" plays a platform whose removed page answers 200 with a marker.
        UnavailablePages = [new UnavailablePage { Name = "testtube", Hosts = ["localhost"], Markers = [Marker] }],
    };

    private static LivenessProbe Probe(LivenessOptions options) =>
        new(options, AddressPolicy.Create(options.AllowList), UnavailablePages.BuiltInWith(options.UnavailablePages));

    private static LivenessProbe AllowingLoopback() => Probe(Options("127.0.0.1/32"));

    [Theory]
    [InlineData(404)]
    [InlineData(410)]
    public async Task Not_found_and_gone_are_gone(int status)
    {
        _site.Answer("/post", status);
        using var probe = AllowingLoopback();

        var result = await probe.ProbeAsync(_site.Url("/post"), CancellationToken.None);

        Assert.Equal(new LivenessResult(LivenessVerdict.Gone, $"http-{status}", status, _site.Url("/post")), result);
        Assert.Equal(["HEAD"], _site.Requests.Select(r => r.Method));   // HEAD settled it
    }

    [Fact]
    public async Task A_page_that_answers_is_up_from_the_head_request_alone()
    {
        _site.Answer("/post", 200, "<html>the post</html>");
        using var probe = AllowingLoopback();

        var result = await probe.ProbeAsync(_site.Url("/post"), CancellationToken.None);

        Assert.Equal(LivenessVerdict.Up, result.Verdict);
        Assert.Equal("http-200", result.Reason);
        Assert.Equal(["HEAD"], _site.Requests.Select(r => r.Method));
    }

    [Fact]
    public async Task A_server_refusing_head_is_asked_again_with_get()
    {
        _site.Answer("/post", (http, _) => LocalSite.Respond(http, http.Request.Method == "HEAD" ? 405 : 404));
        using var probe = AllowingLoopback();

        var result = await probe.ProbeAsync(_site.Url("/post"), CancellationToken.None);

        Assert.Equal(LivenessVerdict.Gone, result.Verdict);
        Assert.Equal(["HEAD", "GET"], _site.Requests.Select(r => r.Method));
    }

    [Fact]
    public async Task A_platforms_unavailable_page_is_gone_although_it_answers_200()
    {
        _site.Answer("/watch", 200, $"<html><div class=\"error\">This video isn&#39;t available anymore</div></html>");
        using var probe = AllowingLoopback();

        var result = await probe.ProbeAsync(new Uri($"http://localhost:{_site.Port}/watch"), CancellationToken.None);

        Assert.Equal(LivenessVerdict.Gone, result.Verdict);
        Assert.Equal("unavailable-page:testtube", result.Reason);
        Assert.Equal(["HEAD", "GET"], _site.Requests.Select(r => r.Method));  // a 200 HEAD is inconclusive on such a platform
    }

    [Fact]
    public async Task A_platform_page_without_the_marker_is_up()
    {
        _site.Answer("/watch", 200, "<html>a video</html>");
        using var probe = AllowingLoopback();

        var result = await probe.ProbeAsync(new Uri($"http://localhost:{_site.Port}/watch"), CancellationToken.None);

        Assert.Equal(new LivenessResult(LivenessVerdict.Up, "http-200", 200, new Uri($"http://localhost:{_site.Port}/watch")), result);
    }

    [Fact]
    public async Task A_page_without_its_live_marker_is_gone_and_with_it_up()
    {
        var options = Options("127.0.0.1/32");
        options.UnavailablePages = [new UnavailablePage { Name = "channel", Hosts = ["localhost"], LiveMarkers = ["data-post"] }];
        using var probe = Probe(options);
        _site.Answer("/channel/1", 200, "<html><div data-post=\"channel/1\"></div></html>");
        _site.Answer("/channel/2", 200, "<html>the channel's page, no post</html>");

        var live = await probe.ProbeAsync(new Uri($"http://localhost:{_site.Port}/channel/1"), CancellationToken.None);
        var gone = await probe.ProbeAsync(new Uri($"http://localhost:{_site.Port}/channel/2"), CancellationToken.None);

        Assert.Equal((LivenessVerdict.Up, "http-200"), (live.Verdict, live.Reason));
        Assert.Equal((LivenessVerdict.Gone, "no-live-marker:channel"), (gone.Verdict, gone.Reason));
    }

    [Theory]
    [InlineData(429)]
    [InlineData(500)]
    [InlineData(503)]
    public async Task Rate_limits_and_server_errors_are_unknown_and_not_repeated_as_get(int status)
    {
        _site.Answer("/post", status);
        using var probe = AllowingLoopback();

        var result = await probe.ProbeAsync(_site.Url("/post"), CancellationToken.None);

        Assert.Equal((LivenessVerdict.Unknown, $"http-{status}"), (result.Verdict, result.Reason));
        Assert.Single(_site.Requests);
    }

    [Fact]
    public async Task A_slow_server_is_unknown_after_the_timeout()
    {
        _site.Answer("/post", async (http, _) => await Task.Delay(TimeSpan.FromSeconds(30), http.RequestAborted));
        var options = Options("127.0.0.1/32");
        options.Timeout = TimeSpan.FromMilliseconds(500);
        using var probe = Probe(options);

        var clock = Stopwatch.StartNew();
        var result = await probe.ProbeAsync(_site.Url("/post"), CancellationToken.None);

        Assert.Equal((LivenessVerdict.Unknown, "timeout"), (result.Verdict, result.Reason));
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(400), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task An_endless_body_is_cut_at_the_cap_and_judged_unknown_when_no_marker_is_in_the_prefix()
    {
        _site.Answer("/watch", Endless(prefix: "<html>a video"));
        using var probe = AllowingLoopback();

        var clock = Stopwatch.StartNew();
        var result = await probe.ProbeAsync(new Uri($"http://localhost:{_site.Port}/watch"), CancellationToken.None);

        // Not a timeout: reading stopped at MaxBodyBytes, long before the 2 s budget ran out.
        Assert.Equal((LivenessVerdict.Unknown, "body-too-large"), (result.Verdict, result.Reason));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task A_marker_within_the_cap_of_an_oversized_page_is_still_found()
    {
        _site.Answer("/watch", Endless(prefix: $"<html><h1>{Marker}</h1>"));
        using var probe = AllowingLoopback();

        var result = await probe.ProbeAsync(new Uri($"http://localhost:{_site.Port}/watch"), CancellationToken.None);

        Assert.Equal((LivenessVerdict.Gone, "unavailable-page:testtube"), (result.Verdict, result.Reason));
    }

    [Fact]
    public async Task Redirects_are_followed_to_their_end()
    {
        _site.Answer("/short", (http, _) => { http.Response.Redirect("/moved"); return Task.CompletedTask; });
        _site.Answer("/moved", (http, _) => { http.Response.Redirect(_site.Url("/final").AbsoluteUri, permanent: true); return Task.CompletedTask; });
        _site.Answer("/final", 410);
        using var probe = AllowingLoopback();

        var result = await probe.ProbeAsync(_site.Url("/short"), CancellationToken.None);

        Assert.Equal(new LivenessResult(LivenessVerdict.Gone, "http-410", 410, _site.Url("/final")), result);
    }

    [Fact]
    public async Task A_redirect_loop_stops_at_the_hop_limit()
    {
        _site.Answer("/loop", (http, _) => { http.Response.Redirect("/loop"); return Task.CompletedTask; });
        var options = Options("127.0.0.1/32");
        options.MaxRedirects = 3;
        using var probe = Probe(options);

        var result = await probe.ProbeAsync(_site.Url("/loop"), CancellationToken.None);

        Assert.Equal((LivenessVerdict.Unknown, "too-many-redirects"), (result.Verdict, result.Reason));
        Assert.Equal(4, _site.Hits("/loop"));   // the request and three redirects, all HEAD
    }

    [Fact]
    public async Task A_redirect_into_a_refused_address_is_not_followed_there()
    {
        _site.Answer("/post", (http, _) => { http.Response.Redirect(_other.Url("/internal").AbsoluteUri); return Task.CompletedTask; });
        using var probe = AllowingLoopback();

        var result = await probe.ProbeAsync(_site.Url("/post"), CancellationToken.None);

        Assert.Equal((LivenessVerdict.Unknown, "refused-address"), (result.Verdict, result.Reason));
        Assert.Empty(_other.Requests);

        // The same redirect with 127.0.0.2 admitted does reach it: the refusal above was the policy, not the network.
        using var admitting = Probe(Options("127.0.0.1/32", "127.0.0.2/32"));
        var followed = await admitting.ProbeAsync(_site.Url("/post"), CancellationToken.None);
        Assert.Equal(new LivenessResult(LivenessVerdict.Up, "http-200", 200, _other.Url("/internal")), followed);
        Assert.Single(_other.Requests);
    }

    [Theory]
    [InlineData("http://169.254.169.254/latest/meta-data/")]
    [InlineData("http://[fd00:ec2::254]/latest/meta-data/")]
    [InlineData("http://[::ffff:169.254.169.254]/")]
    [InlineData("http://10.0.0.1/")]
    public async Task A_redirect_to_cloud_metadata_or_a_private_network_is_refused(string target)
    {
        _site.Answer("/post", (http, _) => { http.Response.Redirect(target); return Task.CompletedTask; });
        using var probe = AllowingLoopback();

        var clock = Stopwatch.StartNew();
        var result = await probe.ProbeAsync(_site.Url("/post"), CancellationToken.None);

        Assert.Equal((LivenessVerdict.Unknown, "refused-address"), (result.Verdict, result.Reason));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), "refused before any connection attempt, not timed out");
    }

    [Fact]
    public async Task Loopback_without_an_allow_list_is_refused_before_connecting()
    {
        _site.Answer("/post", 200, "up");
        using var probe = Probe(Options());

        var result = await probe.ProbeAsync(_site.Url("/post"), CancellationToken.None);

        Assert.Equal((LivenessVerdict.Unknown, "refused-address"), (result.Verdict, result.Reason));
        Assert.Empty(_site.Requests);
    }

    [Fact]
    public async Task A_name_that_resolves_to_loopback_is_refused()
    {
        _site.Answer("/post", 200, "up");
        using var probe = Probe(Options());

        var result = await probe.ProbeAsync(new Uri($"http://localhost:{_site.Port}/post"), CancellationToken.None);

        Assert.Equal((LivenessVerdict.Unknown, "refused-address"), (result.Verdict, result.Reason));
        Assert.Empty(_site.Requests);
    }

    [Fact]
    public async Task A_host_and_port_entry_admits_that_name_on_that_port_only()
    {
        _site.Answer("/post", 200, "up");
        using var admitted = Probe(Options($"localhost:{_site.Port}"));
        using var otherPort = Probe(Options($"localhost:{_site.Port + 1}"));

        var result = await admitted.ProbeAsync(new Uri($"http://localhost:{_site.Port}/post"), CancellationToken.None);
        var refused = await otherPort.ProbeAsync(new Uri($"http://localhost:{_site.Port}/post"), CancellationToken.None);
        var byAddress = await admitted.ProbeAsync(_site.Url("/post"), CancellationToken.None);   // 127.0.0.1 is not "localhost"

        Assert.Equal(LivenessVerdict.Up, result.Verdict);
        Assert.Equal("refused-address", refused.Reason);
        Assert.Equal("refused-address", byAddress.Reason);
    }

    [Fact]
    public async Task IPv6_loopback_is_refused_unless_allow_listed()
    {
        await using var site6 = await LocalSite.StartAsync("::1");
        site6.Answer("/post", 410);
        using var strict = Probe(Options("127.0.0.1/32"));
        using var admitting = Probe(Options("::1/128"));

        var refused = await strict.ProbeAsync(site6.Url("/post"), CancellationToken.None);
        Assert.Empty(site6.Requests);
        var gone = await admitting.ProbeAsync(site6.Url("/post"), CancellationToken.None);

        Assert.Equal((LivenessVerdict.Unknown, "refused-address"), (refused.Verdict, refused.Reason));
        Assert.Equal((LivenessVerdict.Gone, "http-410"), (gone.Verdict, gone.Reason));
    }

    [Fact]
    public async Task Requests_name_the_project_in_their_user_agent()
    {
        string? agent = null;
        _site.Answer("/post", (http, _) => { agent = http.Request.Headers.UserAgent; return Task.CompletedTask; });
        using var probe = AllowingLoopback();

        await probe.ProbeAsync(_site.Url("/post"), CancellationToken.None);

        Assert.StartsWith("Takedown-LivenessCheck/1.0", agent);
    }

    [Theory]
    [InlineData("ftp://example.org/file")]
    [InlineData("file:///etc/passwd")]
    public async Task Only_http_and_https_are_probed(string url)
    {
        using var probe = AllowingLoopback();
        var result = await probe.ProbeAsync(new Uri(url), CancellationToken.None);
        Assert.Equal((LivenessVerdict.Unknown, "unsupported-url"), (result.Verdict, result.Reason));
    }

    /// <summary>A 200 whose body never ends: only a reader that stops at its cap gets an answer before the timeout.</summary>
    private static Func<HttpContext, int, Task> Endless(string prefix) => async (http, _) =>
    {
        http.Response.ContentType = "text/html";
        if (http.Request.Method == "HEAD")
            return;
        await http.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(prefix), http.RequestAborted);
        var filler = Encoding.UTF8.GetBytes(new string('x', 16 * 1024));
        try
        {
            while (!http.RequestAborted.IsCancellationRequested)
                await http.Response.Body.WriteAsync(filler, http.RequestAborted);
        }
        catch (OperationCanceledException) { }
        catch (IOException) { }
    };
}
