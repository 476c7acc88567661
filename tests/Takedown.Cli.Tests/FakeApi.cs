using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Takedown.Cli.Tests;

public sealed record CannedResponse(int Status, string Body, string ContentType = "application/json")
{
    /// <summary>A binary body (a zip) sent instead of <see cref="Body"/>.</summary>
    public byte[]? Bytes { get; init; }
}

public sealed record RecordedRequest(string Method, string Path, string? ApiKey, string? ContentType, string Body)
{
    /// <summary>The query string as sent, with its leading "?"; empty when none.</summary>
    public string Query { get; init; } = "";

    public string? Accept { get; init; }

    public JsonElement Json => JsonDocument.Parse(Body).RootElement;
}

/// <summary>
/// A real HTTP server on a free loopback port: answers each route with its canned responses in turn (the last
/// one repeats) and records every request, so tests see exactly what went over the wire.
/// </summary>
public sealed class FakeApi : IDisposable
{
    private readonly HttpListener listener = new();
    private readonly ConcurrentQueue<RecordedRequest> requests = new();
    private readonly ConcurrentDictionary<string, ConcurrentQueue<CannedResponse>> routes = new();
    private readonly Task loop;

    public FakeApi()
    {
        var port = FreePort();
        BaseUrl = $"http://127.0.0.1:{port}";
        listener.Prefixes.Add(BaseUrl + "/");
        listener.Start();
        loop = Task.Run(ServeAsync);
    }

    public string BaseUrl { get; }

    public IReadOnlyList<RecordedRequest> Requests => [.. requests];

    public void Respond(string method, string path, params CannedResponse[] responses) =>
        routes[$"{method} {path}"] = new ConcurrentQueue<CannedResponse>(responses);

    /// <summary>A port nothing listens on: connecting to it is refused.</summary>
    public static string UnreachableUrl() => $"http://127.0.0.1:{FreePort()}";

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    private async Task ServeAsync()
    {
        while (listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }
            using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
            var request = new RecordedRequest(
                context.Request.HttpMethod,
                context.Request.Url!.AbsolutePath,
                context.Request.Headers["X-Api-Key"],
                context.Request.ContentType,
                await reader.ReadToEndAsync())
            {
                Query = context.Request.Url.Query,
                Accept = context.Request.Headers["Accept"],
            };
            requests.Enqueue(request);

            var response = Next($"{request.Method} {request.Path}")
                ?? new CannedResponse(500, $"no canned response for {request.Method} {request.Path}", "text/plain");
            var bytes = response.Bytes ?? Encoding.UTF8.GetBytes(response.Body);
            context.Response.StatusCode = response.Status;
            context.Response.ContentType = response.ContentType;
            context.Response.ContentLength64 = bytes.Length;
            await context.Response.OutputStream.WriteAsync(bytes);
            context.Response.Close();
        }
    }

    private CannedResponse? Next(string route)
    {
        if (!routes.TryGetValue(route, out var queue))
        {
            return null;
        }
        if (queue.Count > 1 && queue.TryDequeue(out var next))
        {
            return next;
        }
        return queue.TryPeek(out var last) ? last : null;
    }

    public void Dispose()
    {
        listener.Close();
        loop.Wait(TimeSpan.FromSeconds(5));
    }
}
