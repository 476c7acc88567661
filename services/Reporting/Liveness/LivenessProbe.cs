using Takedown.Fingerprints.Urls;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Takedown.Reporting.Liveness;

public enum LivenessVerdict
{
    /// <summary>The content answers.</summary>
    Up,
    /// <summary>404, 410, or the platform's "content unavailable" page.</summary>
    Gone,
    /// <summary>Nothing can be concluded: a timeout, 5xx, 429, a refused address, a page too large to judge, ...</summary>
    Unknown,
}

/// <param name="Reason">Short and stable, for logs and metrics: "http-404", "unavailable-page:youtube", "timeout", "refused-address".</param>
public sealed record LivenessResult(LivenessVerdict Verdict, string Reason, int? StatusCode = null, Uri? FinalUrl = null);

/// <summary>
/// Asks whether the content at a URL is still up. Knows HTTP and platforms' "unavailable" pages, nothing about
/// cases. SSRF-safe: it resolves host names itself, refuses addresses the <see cref="AddressPolicy"/> refuses and
/// connects to the very address it checked (no second lookup a DNS rebinding could answer); redirects are followed
/// by hand, each hop through the same check; no proxy; time, header and body are capped.
/// </summary>
public sealed class LivenessProbe : IDisposable
{
    private readonly HttpClient _http;
    private readonly AddressPolicy _policy;
    private readonly UnavailablePages _pages;
    private readonly LivenessOptions _options;

    public LivenessProbe(LivenessOptions options, AddressPolicy policy, UnavailablePages pages)
    {
        _options = options;
        _policy = policy;
        _pages = pages;
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseProxy = false,                      // a proxy would resolve the name itself, past the address check
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.All,   // the body cap counts decompressed bytes
            ConnectTimeout = options.Timeout,
            MaxResponseHeadersLength = 64,         // KiB
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            ConnectCallback = ConnectAsync,
        };
        _http = new HttpClient(handler) { Timeout = System.Threading.Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.UserAgent.ParseAdd(options.UserAgent);
        _http.DefaultRequestHeaders.Accept.ParseAdd("text/html,application/xhtml+xml;q=0.9,*/*;q=0.8");
    }

    public async Task<LivenessResult> ProbeAsync(Uri url, CancellationToken ct)
    {
        if (!url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
            return new LivenessResult(LivenessVerdict.Unknown, "unsupported-url");

        using var budget = CancellationTokenSource.CreateLinkedTokenSource(ct);
        budget.CancelAfter(_options.Timeout);
        try
        {
            using (var head = await FetchAsync(url, HttpMethod.Head, budget.Token))
            {
                if (head.Result is { } settled)
                    return settled;
                if (JudgeHead(head.Response!, head.Url) is { } verdict)
                    return verdict;
            }
            using var get = await FetchAsync(url, HttpMethod.Get, budget.Token);
            return get.Result ?? await JudgeGetAsync(get.Response!, get.Url, budget.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return new LivenessResult(LivenessVerdict.Unknown, "timeout");
        }
        catch (HttpRequestException e) when (e.InnerException is RefusedAddressException)
        {
            return new LivenessResult(LivenessVerdict.Unknown, "refused-address");
        }
        catch (HttpRequestException e)
        {
            return new LivenessResult(LivenessVerdict.Unknown, e.HttpRequestError switch
            {
                HttpRequestError.NameResolutionError => "name-not-resolved",
                HttpRequestError.ConnectionError => "connection-failed",
                HttpRequestError.SecureConnectionError => "tls-failed",
                HttpRequestError.ConfigurationLimitExceeded => "headers-too-large",
                _ => "http-error",
            });
        }
    }

    // 404 and 410 settle it; a 2xx settles it unless the platform's removed page also answers 200. Rate limits and
    // server errors are not repeated as a GET; anything else (405, 403, 400, 501: servers that mishandle HEAD) is.
    private LivenessResult? JudgeHead(HttpResponseMessage response, Uri url)
    {
        var status = (int)response.StatusCode;
        return status switch
        {
            404 or 410 => new LivenessResult(LivenessVerdict.Gone, $"http-{status}", status, url),
            >= 200 and < 300 when _pages.For(url.Host) is null => new LivenessResult(LivenessVerdict.Up, $"http-{status}", status, url),
            429 or 500 or 502 or 503 or 504 => new LivenessResult(LivenessVerdict.Unknown, $"http-{status}", status, url),
            _ => null,
        };
    }

    private async Task<LivenessResult> JudgeGetAsync(HttpResponseMessage response, Uri url, CancellationToken ct)
    {
        var status = (int)response.StatusCode;
        if (status is 404 or 410)
            return new LivenessResult(LivenessVerdict.Gone, $"http-{status}", status, url);
        if (status is < 200 or >= 300)
            return new LivenessResult(LivenessVerdict.Unknown, $"http-{status}", status, url);
        if (_pages.For(url.Host) is not { } page)
            return new LivenessResult(LivenessVerdict.Up, $"http-{status}", status, url);

        var (html, complete) = await ReadCappedAsync(response, ct);
        if (UnavailablePages.FindMarker(html, page.Markers) is not null)
            return new LivenessResult(LivenessVerdict.Gone, $"unavailable-page:{page.Name}", status, url);
        if (page.LiveMarkers.Count > 0 && UnavailablePages.FindMarker(html, page.LiveMarkers) is not null)
            return new LivenessResult(LivenessVerdict.Up, $"http-{status}", status, url);
        // A marker could sit past the cap: an incomplete page without one proves nothing.
        if (!complete)
            return new LivenessResult(LivenessVerdict.Unknown, "body-too-large", status, url);
        return page.LiveMarkers.Count > 0
            ? new LivenessResult(LivenessVerdict.Gone, $"no-live-marker:{page.Name}", status, url)
            : new LivenessResult(LivenessVerdict.Up, $"http-{status}", status, url);
    }

    /// <summary>At most MaxBodyBytes of the body, and whether that was all of it.</summary>
    private async Task<(string Html, bool Complete)> ReadCappedAsync(HttpResponseMessage response, CancellationToken ct)
    {
        var buffer = new byte[_options.MaxBodyBytes + 1];
        await using var body = await response.Content.ReadAsStreamAsync(ct);
        var read = 0;
        while (read < buffer.Length)
        {
            var n = await body.ReadAsync(buffer.AsMemory(read), ct);
            if (n == 0)
                break;
            read += n;
        }
        var complete = read <= _options.MaxBodyBytes;
        return (Encoding.UTF8.GetString(buffer, 0, Math.Min(read, _options.MaxBodyBytes)), complete);
    }

    /// <summary>Sends one request, following up to MaxRedirects redirects by hand; each new host passes the address check on connect.</summary>
    private async Task<Fetched> FetchAsync(Uri url, HttpMethod method, CancellationToken ct)
    {
        for (var hop = 0; ; hop++)
        {
            using var request = new HttpRequestMessage(method, url);
            var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
            if ((int)response.StatusCode is not (301 or 302 or 303 or 307 or 308))
                return new Fetched(url, response, null);

            var status = (int)response.StatusCode;
            var location = response.Headers.Location;
            response.Dispose();
            if (location is null)
                return new Fetched(url, null, new LivenessResult(LivenessVerdict.Unknown, "redirect-without-location", status, url));
            var next = location.IsAbsoluteUri ? location : new Uri(url, location);
            if (next.Scheme != Uri.UriSchemeHttp && next.Scheme != Uri.UriSchemeHttps)
                return new Fetched(url, null, new LivenessResult(LivenessVerdict.Unknown, "redirect-to-unsupported-scheme", status, next));
            if (hop >= _options.MaxRedirects)
                return new Fetched(url, null, new LivenessResult(LivenessVerdict.Unknown, "too-many-redirects", status, next));
            url = next;
        }
    }

    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken ct)
    {
        var host = context.DnsEndPoint.Host.Trim('[', ']');
        var port = context.DnsEndPoint.Port;
        var addresses = IPAddress.TryParse(host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, ct);
        var admitted = addresses.Where(a => _policy.Admits(a, host, port)).ToArray();
        if (admitted.Length == 0)
            throw new RefusedAddressException(host, addresses);

        SocketException? failure = null;
        foreach (var address in admitted)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, port), ct);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException e)
            {
                socket.Dispose();
                failure = e;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
        throw failure!;
    }

    public void Dispose() => _http.Dispose();

    private sealed record Fetched(Uri Url, HttpResponseMessage? Response, LivenessResult? Result) : IDisposable
    {
        public void Dispose() => Response?.Dispose();
    }
}
