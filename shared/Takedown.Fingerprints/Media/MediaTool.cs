using System.ComponentModel;
using System.Diagnostics;
using System.Text;

namespace Takedown.Fingerprints.Media;

/// <summary>
/// Runs ffmpeg or ffprobe as a child process: input bytes on stdin (or none), output read as it arrives, stderr kept
/// for the error message, and the process killed on timeout, cancellation or a reader that gives up.
/// </summary>
internal static class MediaTool
{
    // ffmpeg repeats itself for every broken frame of a corrupt video; the last few lines carry the reason.
    private const int StderrTailBytes = 8 * 1024;

    public static async Task<T> RunAsync<T>(
        string executable,
        IReadOnlyList<string> arguments,
        ReadOnlyMemory<byte>? input,
        Func<Stream, CancellationToken, Task<T>> readOutput,
        TimeSpan timeout,
        CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException($"{executable} did not start.");
        }
        catch (Exception e) when (e is Win32Exception or InvalidOperationException)
        {
            throw new MediaToolUnavailableException($"Cannot run {executable} (install ffmpeg, or set the path in MediaOptions): {e.Message}", e);
        }

        using (process)
        {
            using var deadline = new CancellationTokenSource(timeout);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
            var token = linked.Token;
            var errors = ReadTailAsync(process.StandardError.BaseStream);
            var writing = WriteInputAsync(process.StandardInput.BaseStream, input, token);
            try
            {
                T result;
                try
                {
                    result = await readOutput(process.StandardOutput.BaseStream, token);
                }
                catch (Exception e) when (e is InvalidDataException or EndOfStreamException)
                {
                    // Output cut short or malformed: ffmpeg's own reason, if it failed, says more than ours.
                    await process.StandardOutput.BaseStream.CopyToAsync(Stream.Null, token);
                    await process.WaitForExitAsync(token);
                    throw process.ExitCode != 0
                        ? Failure(Path.GetFileName(executable), await errors, process.ExitCode)
                        : new UndecodableMediaException($"{Path.GetFileName(executable)} output could not be read: {e.Message}");
                }
                await process.StandardOutput.BaseStream.CopyToAsync(Stream.Null, token);
                await process.WaitForExitAsync(token);
                await writing;
                var stderr = await errors;
                if (process.ExitCode != 0)
                {
                    throw Failure(Path.GetFileName(executable), stderr, process.ExitCode);
                }
                return result;
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                await KillAsync(process, writing, errors);
                throw new MediaLimitExceededException($"Decoding took longer than the limit of {timeout.TotalSeconds:0.#} s.");
            }
            catch
            {
                await KillAsync(process, writing, errors);
                throw;
            }
        }
    }

    private static Exception Failure(string tool, string stderr, int exitCode)
    {
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var reason = lines.Length == 0 ? $"exit code {exitCode}" : lines[^1];
        if (stderr.Contains("max pixel count", StringComparison.Ordinal))
        {
            return new MediaLimitExceededException($"The picture is larger than the pixel limit: {lines.First(l => l.Contains("max pixel count", StringComparison.Ordinal))}");
        }
        return new UndecodableMediaException($"{tool} could not decode the input: {reason}");
    }

    private static async Task WriteInputAsync(Stream stdin, ReadOnlyMemory<byte>? input, CancellationToken token)
    {
        try
        {
            if (input is { } bytes)
            {
                await stdin.WriteAsync(bytes, token);
            }
        }
        catch (IOException)
        {
            // ffmpeg stopped reading: it has what it needs (one frame) or it failed; its exit code says which.
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            try
            {
                stdin.Dispose();
            }
            catch (IOException)
            {
            }
        }
    }

    private static async Task<string> ReadTailAsync(Stream stderr)
    {
        var tail = new byte[StderrTailBytes];
        var kept = 0;
        var chunk = new byte[4096];
        try
        {
            int read;
            while ((read = await stderr.ReadAsync(chunk)) > 0)
            {
                if (kept + read > tail.Length)
                {
                    var drop = Math.Min(kept, kept + read - tail.Length);
                    Buffer.BlockCopy(tail, drop, tail, 0, kept - drop);
                    kept -= drop;
                    read = Math.Min(read, tail.Length);
                }
                Buffer.BlockCopy(chunk, 0, tail, kept, read);
                kept += read;
            }
        }
        catch (IOException)
        {
        }
        return Encoding.UTF8.GetString(tail, 0, kept);
    }

    private static async Task KillAsync(Process process, Task writing, Task<string> errors)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
        }
        // Let the pipe tasks see the closed pipes before the process object goes away.
        await Task.WhenAll(writing, errors).WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(static _ => { }, TaskScheduler.Default);
    }
}
