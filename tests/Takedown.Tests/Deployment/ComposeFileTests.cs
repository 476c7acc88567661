using System.Diagnostics;

namespace Takedown.Tests.Deployment;

public sealed class ComposeFileTests
{
    [Fact]
    public async Task Docker_compose_accepts_the_compose_file()
    {
        var root = RepositoryRoot();
        var start = new ProcessStartInfo("docker-compose", ["-f", Path.Combine(root, "docker-compose.yml"), "config", "-q"])
        {
            WorkingDirectory = root,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("docker-compose could not be started; the README's test command installs it.");
        var errors = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();

        Assert.True(process.ExitCode == 0, $"docker-compose config rejected the file: {errors}");
    }

    internal static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Takedown.sln")))
            directory = directory.Parent;
        return directory?.FullName ?? throw new InvalidOperationException("Takedown.sln not found above the test binaries.");
    }
}
