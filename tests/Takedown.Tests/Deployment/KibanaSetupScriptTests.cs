using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Takedown.Tests.Deployment;

/// <summary>
/// deploy/setup/kibana-setup.sh run for real (bash and curl) against a loopback stand-in for Kibana's HTTP API,
/// answering as Kibana's saved-objects import does: 200 with <c>success</c> and per-object <c>errors</c>.
/// </summary>
public sealed class KibanaSetupScriptTests
{
    private const string Password = "test-elastic-password";

    private sealed record Request(string Method, string Path, string Query, string? Authorization, string? Xsrf, string Body);

    private sealed class FakeKibana(int importStatus, string importAnswer) : IAsyncDisposable
    {
        private WebApplication? app;
        public ConcurrentQueue<Request> Requests { get; } = new();
        public string Url { get; private set; } = "";

        public async Task StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            app = builder.Build();
            app.Use(async (context, next) =>
            {
                context.Request.EnableBuffering();
                var body = await new StreamReader(context.Request.Body, Encoding.UTF8).ReadToEndAsync();
                context.Request.Body.Position = 0;
                Requests.Enqueue(new Request(context.Request.Method, context.Request.Path, context.Request.QueryString.Value ?? "",
                    context.Request.Headers.Authorization.FirstOrDefault(), context.Request.Headers["kbn-xsrf"].FirstOrDefault(), body));
                await next(context);
            });
            app.MapGet("/api/status", () => Results.Json(new { status = new { overall = new { level = "available" } } }));
            app.MapPost("/api/saved_objects/_import", () => Results.Text(importAnswer, "application/json", statusCode: importStatus));
            app.MapDelete("/api/data_views/data_view/{id}", (string id) => Results.Json(
                new { statusCode = 404, error = "Not Found", message = $"Saved object [index-pattern/{id}] not found" }, statusCode: 404));
            await app.StartAsync();
            Url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        }

        public async ValueTask DisposeAsync()
        {
            if (app is not null)
                await app.DisposeAsync();
        }
    }

    private static async Task<(int ExitCode, string Errors)> RunScriptAsync(string kibanaUrl)
    {
        var root = ComposeFileTests.RepositoryRoot();
        var start = new ProcessStartInfo("bash", [Path.Combine(root, "deploy", "setup", "kibana-setup.sh")])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            Environment = { ["KIBANA_URL"] = kibanaUrl, ["ELASTIC_PASSWORD"] = Password },
        };
        using var process = Process.Start(start)!;
        var errors = process.StandardError.ReadToEndAsync();
        await process.StandardOutput.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await errors);
    }

    private static string Ndjson() => File.ReadAllText(Path.Combine(ComposeFileTests.RepositoryRoot(), "deploy", "setup", "kibana", "takedown.ndjson"));

    [Fact]
    public async Task A_clean_import_overwrites_every_saved_object_and_deletes_the_retired_data_view()
    {
        var objects = Ndjson().Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;
        await using var kibana = new FakeKibana(200, $$"""{"successCount":{{objects}},"success":true,"warnings":[],"successResults":[]}""");
        await kibana.StartAsync();

        var (exitCode, errors) = await RunScriptAsync(kibana.Url);

        Assert.True(exitCode == 0, errors);
        Assert.Contains($"imported {objects} saved objects from takedown.ndjson", errors);
        var import = Assert.Single(kibana.Requests, r => r.Path == "/api/saved_objects/_import");
        Assert.Equal(("POST", "?overwrite=true", "true"), (import.Method, import.Query, import.Xsrf));
        Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"elastic:{Password}")), import.Authorization);
        Assert.Contains("filename=\"takedown.ndjson\"", import.Body);
        Assert.Contains(Ndjson(), import.Body);
        var delete = Assert.Single(kibana.Requests, r => r.Method == "DELETE");
        Assert.Equal(("/api/data_views/data_view/takedown-fingerprints", "true"), (delete.Path, delete.Xsrf));
    }

    [Fact]
    public async Task An_import_with_object_errors_fails_and_names_the_objects()
    {
        // Kibana answers 200 and lists the objects it could not import.
        const string answer = """
            {"successCount":16,"success":false,"warnings":[],"errors":[{"id":"takedown-reupload-spread","type":"lens",
            "meta":{"title":"Removed content that came back, and where","icon":"lensApp"},
            "error":{"type":"missing_references","references":[{"type":"index-pattern","id":"takedown-content"}]}}]}
            """;
        await using var kibana = new FakeKibana(200, answer);
        await kibana.StartAsync();

        var (exitCode, errors) = await RunScriptAsync(kibana.Url);

        Assert.Equal(1, exitCode);
        Assert.Contains("import of takedown.ndjson failed; objects in error: [{\"id\":\"takedown-reupload-spread\",\"type\":\"lens\"", errors);
        Assert.Contains("missing_references", errors);
        Assert.DoesNotContain(kibana.Requests, r => r.Method == "DELETE");
    }

    [Fact]
    public async Task An_import_Kibana_refuses_fails_with_its_status()
    {
        await using var kibana = new FakeKibana(415, """{"statusCode":415,"error":"Unsupported Media Type","message":"Unsupported Media Type"}""");
        await kibana.StartAsync();

        var (exitCode, errors) = await RunScriptAsync(kibana.Url);

        Assert.Equal(1, exitCode);
        Assert.Contains("import of takedown.ndjson failed (HTTP 415): {\"statusCode\":415", errors);
    }
}
