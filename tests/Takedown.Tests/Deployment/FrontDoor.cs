using System.ComponentModel;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace Takedown.Tests.Deployment;

/// <summary>What a stand-in service saw: its own name, and the method and request target Caddy sent it.</summary>
public sealed record Reached(string Service, string Method, string Target);

/// <summary>
/// The compose file's front door: real Caddy running deploy/Caddyfile, on a free port, in front of four stand-ins
/// (loopback Kestrel servers named after the compose services) that answer every request with what they received.
/// The Caddyfile's env placeholders point it at them; nothing else about it changes.
/// </summary>
public sealed class FrontDoor : IAsyncLifetime
{
    public static readonly string[] Services = ["ingest", "classification", "reupload-detection", "reporting"];

    private static readonly Dictionary<string, string> UpstreamVariables = new()
    {
        ["ingest"] = "INGEST_UPSTREAM",
        ["classification"] = "CLASSIFICATION_UPSTREAM",
        ["reupload-detection"] = "REUPLOAD_UPSTREAM",
        ["reporting"] = "REPORTING_UPSTREAM",
    };

    private readonly List<WebApplication> _standIns = [];
    private readonly StringBuilder _caddyLog = new();
    private readonly string _home = Directory.CreateTempSubdirectory("takedown-front-door-").FullName;
    private Process? _caddy;

    public HttpClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        try
        {
            await StartAsync();
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    private async Task StartAsync()
    {
        var upstreams = new Dictionary<string, string>();
        foreach (var service in Services)
            upstreams[service] = await StartStandInAsync(service);

        // The port is free when chosen, not reserved: another process may take it before Caddy binds it, so try again.
        for (var attempt = 1; ; attempt++)
        {
            var port = FreePort();
            _caddy = StartCaddy(port, upstreams);
            Client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(10) };
            if (await AnswersHealthzAsync(_caddy))
                return;
            if (attempt == 3 || !CaddyLog.Contains("address already in use", StringComparison.Ordinal))
                throw new InvalidOperationException($"Caddy did not answer /healthz on port {port}. Its log:\n{CaddyLog}");
            Client.Dispose();
            _caddy.Dispose();
            lock (_caddyLog)
                _caddyLog.Clear();
        }
    }

    public string CaddyLog
    {
        get
        {
            lock (_caddyLog)
                return _caddyLog.ToString();
        }
    }

    /// <summary>Sends a request through the front door; the stand-in that answered says who it is and what it got.</summary>
    public async Task<Reached> SendAsync(string method, string pathAndQuery)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), pathAndQuery);
        if (method is "POST" or "PUT" or "PATCH")
            request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
        using var response = await Client.SendAsync(request);
        if (response.StatusCode != HttpStatusCode.OK)
            return new Reached($"(no stand-in: the front door answered {(int)response.StatusCode})", method, pathAndQuery);
        return await response.Content.ReadFromJsonAsync<Reached>() ?? throw new InvalidOperationException("Empty answer.");
    }

    private async Task<string> StartStandInAsync(string service)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        // The raw target, not the decoded path: exactly what the proxy sent, query string included.
        app.Run(context => context.Response.WriteAsJsonAsync(
            new Reached(service, context.Request.Method, context.Features.GetRequiredFeature<IHttpRequestFeature>().RawTarget)));
        await app.StartAsync();
        _standIns.Add(app);
        return new Uri(app.Urls.Single()).Authority;
    }

    private Process StartCaddy(int port, Dictionary<string, string> upstreams)
    {
        var caddyfile = Path.Combine(ComposeFileTests.RepositoryRoot(), "deploy", "Caddyfile");
        var start = new ProcessStartInfo("caddy", ["run", "--config", caddyfile, "--adapter", "caddyfile"])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        // Caddy binds the site address's port on every interface (as in the container); the admin API is off so that
        // test runs side by side do not contend for localhost:2019; its autosave and storage go to a directory of ours.
        start.Environment["FRONT_DOOR_ADDRESS"] = $":{port}";
        start.Environment["CADDY_ADMIN"] = "off";
        start.Environment["HOME"] = _home;
        start.Environment["XDG_CONFIG_HOME"] = Path.Combine(_home, "config");
        start.Environment["XDG_DATA_HOME"] = Path.Combine(_home, "data");
        foreach (var (service, upstream) in upstreams)
            start.Environment[UpstreamVariables[service]] = upstream;

        Process caddy;
        try
        {
            caddy = Process.Start(start) ?? throw new InvalidOperationException("caddy could not be started.");
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException(
                "caddy is not installed (or not on PATH). The front door's routing test runs deploy/Caddyfile with it; " +
                "bash deploy/test.sh installs Debian's caddy (apt-get install caddy).", e);
        }
        caddy.ErrorDataReceived += (_, line) => Append(line.Data);
        caddy.OutputDataReceived += (_, line) => Append(line.Data);
        caddy.BeginErrorReadLine();
        caddy.BeginOutputReadLine();
        return caddy;
    }

    private void Append(string? line)
    {
        if (line is null)
            return;
        lock (_caddyLog)
            _caddyLog.AppendLine(line);
    }

    private async Task<bool> AnswersHealthzAsync(Process caddy)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < deadline && !caddy.HasExited)
        {
            try
            {
                using var response = await Client.GetAsync("/healthz");
                if (response.StatusCode == HttpStatusCode.OK && await response.Content.ReadAsStringAsync() == "ok")
                    return true;
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            await Task.Delay(100);
        }
        if (!caddy.HasExited)
            await StopAsync(caddy);
        return false;
    }

    private static int FreePort()
    {
        // Bound as Caddy will bind it, on every interface, so a port taken on any of them is not chosen.
        var probe = new TcpListener(IPAddress.Any, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    private static async Task StopAsync(Process caddy)
    {
        try
        {
            caddy.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
        await caddy.WaitForExitAsync();
    }

    public async Task DisposeAsync()
    {
        Client?.Dispose();
        if (_caddy is not null)
        {
            await StopAsync(_caddy);
            _caddy.Dispose();
            _caddy = null;
        }
        foreach (var standIn in _standIns)
            await standIn.DisposeAsync();
        _standIns.Clear();
        if (Directory.Exists(_home))
            Directory.Delete(_home, recursive: true);
    }
}
