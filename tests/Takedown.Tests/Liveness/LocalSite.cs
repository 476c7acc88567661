using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Takedown.Tests.Liveness;

/// <summary>
/// A real Kestrel server on a loopback address and an ephemeral port, standing in for a platform. Each path
/// answers what the test sets (<see cref="Answer"/>), and every request it receives is recorded.
/// </summary>
public sealed class LocalSite : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, Func<HttpContext, int, Task>> _answers = new();
    private readonly ConcurrentDictionary<string, int> _counts = new();

    public ConcurrentQueue<(string Method, string Path, DateTimeOffset At)> Requests { get; } = new();
    public Uri BaseUrl { get; private set; } = null!;
    public int Port => BaseUrl.Port;

    private LocalSite(WebApplication app) => _app = app;

    public static async Task<LocalSite> StartAsync(string address = "127.0.0.1")
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Parse(address), 0));
        var app = builder.Build();
        var site = new LocalSite(app);
        app.Run(site.HandleAsync);
        await app.StartAsync();
        var bound = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
        site.BaseUrl = new Uri($"http://{(IPAddress.Parse(address).AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{address}]" : address)}:{bound.Port}/");
        return site;
    }

    public Uri Url(string path) => new(BaseUrl, path);

    /// <summary>How <paramref name="path"/> answers; the handler gets the request and how many came to that path before it.</summary>
    public void Answer(string path, Func<HttpContext, int, Task> handler) => _answers[path] = handler;

    public void Answer(string path, int status, string? body = null) => Answer(path, (http, _) => Respond(http, status, body));

    public int Hits(string path) => Requests.Count(r => r.Path == path);

    public static async Task Respond(HttpContext http, int status, string? body = null)
    {
        http.Response.StatusCode = status;
        if (body is not null)
        {
            http.Response.ContentType = "text/html; charset=utf-8";
            await http.Response.WriteAsync(body);
        }
    }

    private async Task HandleAsync(HttpContext http)
    {
        var path = http.Request.Path.Value ?? "/";
        Requests.Enqueue((http.Request.Method, path, DateTimeOffset.UtcNow));
        var before = _counts.AddOrUpdate(path, 1, (_, n) => n + 1) - 1;
        if (_answers.TryGetValue(path, out var answer))
            await answer(http, before);
        else
            http.Response.StatusCode = 404;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
