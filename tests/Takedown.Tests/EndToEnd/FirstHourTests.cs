using System.Diagnostics;
using System.Net.Http.Json;
using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using Takedown.Tests.Deployment;

namespace Takedown.Tests.EndToEnd;

/// <summary>The four hosts on loopback ports, so that a shell and the real CLI build can reach them.</summary>
public sealed class PipelineOnSockets : PipelineFixture
{
    protected override bool OnSockets => true;
}

/// <summary>
/// The README's "First hour", taken from README.md itself and run in bash as a newcomer would, with the real
/// `takedown` build behind .run/bin/takedown and the bootstrap admin key in .run/admin-key, as the run command
/// leaves them. If the README and the CLI drift apart, this fails.
/// </summary>
public sealed class FirstHourTests(PipelineOnSockets pipeline) : IClassFixture<PipelineOnSockets>, IDisposable
{
    private readonly string workingDirectory = Directory.CreateTempSubdirectory("takedown-first-hour-").FullName;

    public void Dispose() => Directory.Delete(workingDirectory, recursive: true);

    [Fact]
    public void The_first_hour_is_every_step_a_newcomer_needs()
    {
        var script = string.Join('\n', FirstHourBlocks());

        foreach (var step in new[] { "takedown api-key issue", "takedown report ", "takedown case \"$content\"", "takedown case notice", "takedown case respond", "takedown report transparency" })
            Assert.Contains(step, script);
    }

    [Fact]
    public async Task The_first_hour_commands_run_as_written_and_leave_the_case_removed()
    {
        var script = string.Join('\n', FirstHourBlocks()) + "\necho \"first-hour-content=$content\"\n";
        WriteRunCommandState();

        var (exitCode, output, errors) = await RunBashAsync(script);

        Assert.True(exitCode == 0, $"exit code {exitCode}\n--- stdout\n{output}\n--- stderr\n{errors}");
        var contentId = Regex.Match(output, "^first-hour-content=([0-9a-f-]{36})$", RegexOptions.Multiline).Groups[1].Value;
        Assert.NotEqual("", contentId);
        using var request = PipelineFixture.Request(HttpMethod.Get, $"/api/v1/cases/{contentId}", PipelineFixture.AdminKey);
        using var response = await pipeline.Reporting.SendAsync(request);
        var view = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("removed", view.GetProperty("status").GetString());
        var html = await File.ReadAllTextAsync(Path.Combine(workingDirectory, "transparency.html"));
        Assert.StartsWith("<!DOCTYPE html>", html, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The ```sh blocks of the README between "## First hour" and the next second-level heading.</summary>
    private static List<string> FirstHourBlocks()
    {
        var readme = File.ReadAllText(Path.Combine(ComposeFileTests.RepositoryRoot(), "README.md"));
        var start = readme.IndexOf("\n## First hour\n", StringComparison.Ordinal);
        Assert.True(start >= 0, "README.md has no \"## First hour\" section.");
        var end = readme.IndexOf("\n## ", start + 1, StringComparison.Ordinal);
        var section = end < 0 ? readme[start..] : readme[start..end];
        var blocks = Regex.Matches(section, "^```sh\n(.*?)^```$", RegexOptions.Multiline | RegexOptions.Singleline)
            .Select(match => match.Groups[1].Value)
            .ToList();
        Assert.NotEmpty(blocks);
        return blocks;
    }

    /// <summary>What deploy/run-local.sh leaves for the README's commands: the admin key and the CLI wrapper.</summary>
    private void WriteRunCommandState()
    {
        var state = Directory.CreateDirectory(Path.Combine(workingDirectory, ".run"));
        File.WriteAllText(Path.Combine(state.FullName, "admin-key"), PipelineFixture.AdminKey);
        var bin = Directory.CreateDirectory(Path.Combine(state.FullName, "bin"));
        var wrapper = Path.Combine(bin.FullName, "takedown");
        File.WriteAllText(wrapper, $"#!/bin/sh\nexec dotnet '{CliBuild()}' \"$@\"\n");
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(wrapper, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    /// <summary>The CLI as built with this test project (the same configuration), not a copy of its code in process.</summary>
    private static string CliBuild()
    {
        var configuration = typeof(FirstHourTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        var dll = Path.Combine(ComposeFileTests.RepositoryRoot(), "services", "Cli", "bin", configuration, "net10.0", "takedown.dll");
        Assert.True(File.Exists(dll), $"{dll} is missing; build the solution first.");
        return dll;
    }

    private async Task<(int ExitCode, string Out, string Error)> RunBashAsync(string script)
    {
        var start = new ProcessStartInfo("bash", ["-euo", "pipefail", "-c", script])
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        // The run command's defaults are its ports; these hosts have their own, given as each service's URL, which
        // wins over TAKEDOWN_URL. Nothing else from the test runner's environment may steer the CLI.
        foreach (var name in start.Environment.Keys.Where(name => name.StartsWith("TAKEDOWN_", StringComparison.Ordinal)).ToList())
            start.Environment.Remove(name);
        start.Environment["TAKEDOWN_INGEST_URL"] = pipeline.Ingest.BaseAddress!.AbsoluteUri;
        start.Environment["TAKEDOWN_REPORTING_URL"] = pipeline.Reporting.BaseAddress!.AbsoluteUri;
        start.Environment["TAKEDOWN_REUPLOAD_URL"] = pipeline.Reupload.BaseAddress!.AbsoluteUri;
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";

        using var process = Process.Start(start) ?? throw new InvalidOperationException("bash could not be started.");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output, await errors);
    }
}
