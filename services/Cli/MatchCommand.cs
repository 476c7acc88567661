using System.CommandLine;
using System.Globalization;
using System.Text.Json;

namespace Takedown.Cli;

/// <summary>
/// Looks hashes, a text, a URL, an image or a video up in every bank (<c>POST /api/v1/match</c> on ReuploadDetection)
/// and prints one line per match, closest first. Images and video are sent whole and fingerprinted by the service.
/// </summary>
public sealed class MatchCommand : Command
{
    private readonly CliOptions options;

    private readonly Option<string[]> hashes = new("--hash")
    {
        Description = "A hash to look up as signal:value, e.g. pdq:<64 hex digits>; repeat for more (vpdq frames of one video together)",
        HelpName = "signal:value",
        AllowMultipleArgumentsPerToken = false,
    };

    private readonly Option<string?> text = new("--text") { Description = "A text, fingerprinted as a report's text is", HelpName = "text" };
    private readonly Option<string?> url = new("--url") { Description = "A URL, matched in its canonical form", HelpName = "url" };
    private readonly Option<string?> image = new("--image") { Description = "An image file (JPEG, PNG, WebP, GIF…): its PDQ hash and exact hashes", HelpName = "file" };
    private readonly Option<string?> video = new("--video") { Description = "A video file (MP4, WebM, MOV…): its vPDQ frames and exact hashes", HelpName = "file" };

    public MatchCommand(CliOptions options, CliHost host)
        : base("match", "Look hashes, a text, a URL, an image or a video up in every bank (analyst or admin API key)")
    {
        this.options = options;
        Options.Add(hashes);
        Options.Add(text);
        Options.Add(url);
        Options.Add(image);
        Options.Add(video);
        SetAction((parseResult, cancellationToken) => host.RunAsync(() => ExecuteAsync(host, parseResult, cancellationToken)));
    }

    private async Task<int> ExecuteAsync(CliHost host, ParseResult parseResult, CancellationToken cancellationToken)
    {
        var apiKey = options.ApiKeyFrom(parseResult)
            ?? throw new UsageException($"matching needs an analyst or admin API key: pass --api-key or set {CliOptions.ApiKeyVariable}.");
        var queries = (parseResult.GetValue(hashes) ?? []).Select(ParseHash).ToArray();
        var request = new MatchRequest(
            queries.Length == 0 ? null : queries,
            parseResult.GetValue(text),
            parseResult.GetValue(url),
            await ReadMediaAsync(parseResult.GetValue(image), "image", cancellationToken),
            await ReadMediaAsync(parseResult.GetValue(video), "video", cancellationToken));
        if (request is { Hashes: null, Text: null, Url: null, Image: null, Video: null })
            throw new UsageException("give at least one of --hash, --text, --url, --image or --video.");

        using var api = new ApiClient(host.Http, apiKey);
        var response = await api.SendAsync<MatchResponse>(HttpMethod.Post, options.Reupload(parseResult), "api/v1/match", request, cancellationToken);
        if (options.WantsJson(parseResult))
        {
            host.Out.WriteLine(response.Json);
            return ExitCodes.Ok;
        }
        foreach (var computed in response.Value.MediaHashes ?? [])
            host.Error.WriteLine($"{computed.Signal}:{computed.Hash}");
        if (response.Value.Matches.Count == 0)
            host.Out.WriteLine("no match");
        foreach (var m in response.Value.Matches)
        {
            var what = m.ContentId is { } content ? $"content {content} (case {m.CaseUrl ?? $"/api/v1/cases/{content}"})" : $"label \"{m.Label}\", source \"{m.Source}\"";
            host.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{m.Signal} distance {m.Distance} in bank {m.Bank}: {what}"));
        }
        return ExitCodes.Ok;
    }

    private static HashQuery ParseHash(string value)
    {
        var colon = value.IndexOf(':', StringComparison.Ordinal);
        // A url signal's value has colons of its own; only the first one separates.
        return colon <= 0 || colon == value.Length - 1
            ? throw new UsageException($"--hash takes signal:value, e.g. pdq:<64 hex digits>; got '{value}'.")
            : new HashQuery(value[..colon], value[(colon + 1)..]);
    }

    private static async Task<MatchMedia?> ReadMediaAsync(string? path, string kind, CancellationToken cancellationToken)
    {
        if (path is null)
            return null;
        byte[] bytes;
        try
        {
            bytes = await File.ReadAllBytesAsync(path, cancellationToken);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"cannot read {path}: {e.Message}");
        }
        return new MatchMedia(MediaType(path, kind), Convert.ToBase64String(bytes));
    }

    // The service decodes by content, not by name; the type only says image or video.
    private static string MediaType(string path, string kind) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".jpg" or ".jpeg" => "image/jpeg",
        ".mov" => "video/quicktime",
        ".mkv" => "video/x-matroska",
        "" => $"{kind}/octet-stream",
        var extension => $"{kind}/{extension[1..]}",
    };

    private sealed record HashQuery(string Signal, string Hash);

    private sealed record MatchMedia(string ContentType, string Data);

    private sealed record MatchRequest(IReadOnlyList<HashQuery>? Hashes, string? Text, string? Url, MatchMedia? Image, MatchMedia? Video);

    private sealed record MatchFound(string Signal, string Hash, string MatchedHash, int Distance, string Bank, string Label, string Source, Guid? ContentId, string? CaseUrl);

    private sealed record MatchResponse(IReadOnlyList<MatchFound> Matches, IReadOnlyList<HashQuery>? MediaHashes);
}
