using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Takedown.Tests.Telemetry;

/// <summary>
/// A real OTLP/HTTP endpoint on a free loopback port: keeps every protobuf body POSTed to /v1/traces, /v1/metrics
/// and /v1/logs, and answers 200 with an empty (valid) Export*ServiceResponse.
/// </summary>
public sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, ConcurrentQueue<byte[]>> _received = new();

    private OtlpReceiver(WebApplication app) => _app = app;

    public string Endpoint { get; private set; } = "";

    public IReadOnlyList<byte[]> Received(string signal) => _received.TryGetValue(signal, out var bodies) ? [.. bodies] : [];

    public static async Task<OtlpReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new OtlpReceiver(app);
        app.MapPost("/v1/{signal}", async (string signal, HttpRequest request) =>
        {
            if (request.ContentType != "application/x-protobuf")
                return Results.StatusCode(StatusCodes.Status415UnsupportedMediaType);
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body);
            receiver._received.GetOrAdd(signal, _ => new ConcurrentQueue<byte[]>()).Enqueue(body.ToArray());
            return Results.Bytes([], "application/x-protobuf");
        });
        await app.StartAsync();
        receiver.Endpoint = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return receiver;
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
