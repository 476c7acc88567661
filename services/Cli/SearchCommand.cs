using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Takedown.Cli;

/// <summary>
/// <c>takedown search [words…]</c>: the analysts' search (<c>GET /api/v1/search</c> on Reporting), one row per content
/// item, best match first; <c>takedown search similar</c> for content near a PDQ hash, an image or a text.
/// </summary>
public sealed partial class SearchCommand : Command
{
    public const string Path = "api/v1/search";
    private const int MatchWidth = 80;

    private readonly CliOptions options;
    private readonly CliHost host;

    private readonly Argument<string[]> words = new("query")
    {
        Description = "Words to search for, Arabic or English (normalised as reported text is); none lists the newest reports",
        Arity = ArgumentArity.ZeroOrMore,
    };

    private readonly Option<string?> platform = new("--platform") { Description = "Only this platform, e.g. telegram", HelpName = "name" };
    private readonly Option<string?> category = new("--category") { Description = "Only this category, e.g. terrorist-propaganda", HelpName = "name" };
    private readonly Option<string?> severity = new("--severity") { Description = "Only this severity, e.g. P1", HelpName = "level" };
    private readonly Option<string?> status = new("--status") { Description = "Only cases in this status: pending, open, removed, rejected or closed", HelpName = "status" };
    private readonly Option<string?> account = new("--account") { Description = "Only content posted by this account or channel", HelpName = "handle" };
    private readonly Option<string?> organisation = new("--organisation") { Description = "Only content this organisation reported (analysts; a reporter's key always gets its own)", HelpName = "name" };
    private readonly Option<string?> from = new("--from") { Description = "First reported on or after this day (or instant), ISO 8601", HelpName = "date" };
    private readonly Option<string?> to = new("--to") { Description = "First reported up to this day, included (or before an instant), ISO 8601", HelpName = "date" };
    private readonly Option<bool?> overdue = new("--overdue") { Description = "Only content still up past its deadline (--overdue false: none of it)" };
    private readonly Option<bool?> reupload = new("--reupload") { Description = "Only re-uploads of removed content (--reupload false: no re-uploads)" };
    private readonly Option<int?> page = new("--page") { Description = "Page number, from 1", HelpName = "n" };
    private readonly Option<int?> pageSize = new("--page-size") { Description = "Results per page, 1 to 100 [default: 20]", HelpName = "n" };

    public SearchCommand(CliOptions options, CliHost host)
        : base("search", "Search reported content by its words and filters, Arabic-aware (GET from the Reporting API)")
    {
        this.options = options;
        this.host = host;
        Arguments.Add(words);
        foreach (var option in new Option[] { platform, category, severity, status, account, organisation, from, to, overdue, reupload, page, pageSize })
            Options.Add(option);
        Subcommands.Add(new SearchSimilarCommand(options, host));
        SetAction((parseResult, cancellationToken) => host.RunAsync(() => ExecuteAsync(parseResult, cancellationToken)));
    }

    private async Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        var apiKey = options.ApiKeyFrom(parseResult)
            ?? throw new UsageException($"searching needs an API key: pass --api-key or set {CliOptions.ApiKeyVariable}.");
        var query = new List<string>();
        Add(query, "q", string.Join(' ', parseResult.GetValue(words) ?? []));
        foreach (var (name, option) in new[] { ("platform", platform), ("category", category), ("severity", severity), ("status", status),
                     ("account", account), ("organisation", organisation), ("from", from), ("to", to) })
            Add(query, name, parseResult.GetValue(option));
        Add(query, "overdue", Lower(parseResult.GetValue(overdue)));
        Add(query, "reupload", Lower(parseResult.GetValue(reupload)));
        Add(query, "page", parseResult.GetValue(page)?.ToString(CultureInfo.InvariantCulture));
        Add(query, "pageSize", parseResult.GetValue(pageSize)?.ToString(CultureInfo.InvariantCulture));
        var path = query.Count == 0 ? Path : $"{Path}?{string.Join('&', query)}";

        using var api = new ApiClient(host.Http, apiKey);
        var response = await api.SendAsync<SearchResponse>(HttpMethod.Get, options.Reporting(parseResult), path, body: null, cancellationToken);
        if (options.WantsJson(parseResult))
        {
            host.Out.WriteLine(response.Json);
            return ExitCodes.Ok;
        }
        Render(response.Value);
        return ExitCodes.Ok;
    }

    private void Render(SearchResponse found)
    {
        if (found.Items.Count == 0)
        {
            host.Out.WriteLine(found.Total == 0 ? "nothing found" : $"page {found.Page} is past the last of {found.Total} results");
            return;
        }
        var table = new Table()
            .AddColumn("content")
            .AddColumn("status")
            .AddColumn("platform")
            .AddColumn("category")
            .AddColumn("severity")
            .AddColumn("reported (UTC)")
            .AddColumn("match");
        foreach (var item in found.Items)
        {
            table.AddRow(
                Plain(item.ContentId.ToString()),
                Plain(item.Status),
                Plain(item.Platform),
                Plain(item.Category),
                Plain(item.Severity),
                Plain(item.FirstReportedAt?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)),
                Plain(Snippet(item)));
        }
        host.Console.Write(table);
        var pages = (found.Total + found.PageSize - 1) / found.PageSize;
        host.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"page {found.Page} of {pages}, {found.Total} found ({found.Backend})"));
    }

    /// <summary>The first highlight as plain text (the API escapes it and marks matches with &lt;em&gt;), else the text's start.</summary>
    private static string? Snippet(SearchItem item)
    {
        var text = item.Highlights is { Count: > 0 } highlights
            ? WebUtility.HtmlDecode(EmphasisTags().Replace(highlights[0], ""))
            : item.Text;
        return text is null || text.Length <= MatchWidth ? text : text[..(MatchWidth - 1)] + "…";
    }

    private static void Add(List<string> query, string name, string? value)
    {
        if (!string.IsNullOrWhiteSpace(value))
            query.Add($"{name}={Uri.EscapeDataString(value.Trim())}");
    }

    private static string? Lower(bool? value) => value?.ToString().ToLowerInvariant();

    // Values come from reported content; as Text they can never be read as Spectre markup.
    internal static IRenderable Plain(string? value) => new Text(value ?? "-");

    [GeneratedRegex("</?em>")]
    private static partial Regex EmphasisTags();

    private sealed record SearchItem(
        Guid ContentId, string? Status, string? Platform, string? Category, string? Severity, DateTimeOffset? FirstReportedAt,
        string? Text, IReadOnlyList<string>? Highlights);

    private sealed record SearchResponse(IReadOnlyList<SearchItem> Items, int Page, int PageSize, long Total, string? Backend);
}

/// <summary>
/// <c>takedown search similar</c>: content near PDQ hashes or an image (Hamming distance), or near-duplicates of a text
/// (<c>POST /api/v1/search/similar</c> on Reporting), closest first, each with its case.
/// </summary>
public sealed class SearchSimilarCommand : Command
{
    private readonly CliOptions options;
    private readonly CliHost host;

    private readonly Option<string[]> hashes = new("--hash")
    {
        Description = "A PDQ hash, pdq:<64 hex digits> or the bare hex; repeat for more",
        HelpName = "pdq:hex",
        AllowMultipleArgumentsPerToken = false,
    };

    private readonly Option<string?> image = new("--image") { Description = "An image file (JPEG, PNG, WebP, GIF…), hashed to PDQ by the service", HelpName = "file" };
    private readonly Option<string?> text = new("--text") { Description = "A text whose near-duplicates to find", HelpName = "text" };
    private readonly Option<int?> maxDistance = new("--max-distance") { Description = "PDQ: most bits that may differ, 0 to 64 [default: 31]", HelpName = "bits" };
    private readonly Option<int?> limit = new("--limit") { Description = "Most results per signal, 1 to 100 [default: 20]", HelpName = "n" };

    public SearchSimilarCommand(CliOptions options, CliHost host)
        : base("similar", "Find content near a PDQ hash or an image, or near-duplicates of a text, with each one's case")
    {
        this.options = options;
        this.host = host;
        foreach (var option in new Option[] { hashes, image, text, maxDistance, limit })
            Options.Add(option);
        SetAction((parseResult, cancellationToken) => host.RunAsync(() => ExecuteAsync(parseResult, cancellationToken)));
    }

    private async Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        var apiKey = options.ApiKeyFrom(parseResult)
            ?? throw new UsageException($"searching needs an API key: pass --api-key or set {CliOptions.ApiKeyVariable}.");
        var pdq = parseResult.GetValue(hashes) ?? [];
        var request = new SimilarRequest(
            pdq.Length == 0 ? null : pdq,
            await ReadImageAsync(parseResult.GetValue(image), cancellationToken),
            parseResult.GetValue(text),
            parseResult.GetValue(maxDistance),
            parseResult.GetValue(limit));
        if (request is { Pdq: null, Image: null, Text: null })
            throw new UsageException("give at least one of --hash, --image or --text.");

        using var api = new ApiClient(host.Http, apiKey);
        var response = await api.SendAsync<SimilarResponse>(HttpMethod.Post, options.Reporting(parseResult), "api/v1/search/similar", request, cancellationToken);
        if (options.WantsJson(parseResult))
        {
            host.Out.WriteLine(response.Json);
            return ExitCodes.Ok;
        }
        if (response.Value.ImageHash is { } imageHash)
            host.Error.WriteLine(imageHash);
        if (response.Value.Items.Count == 0)
        {
            host.Out.WriteLine("no similar content");
            return ExitCodes.Ok;
        }
        var table = new Table()
            .AddColumn("content")
            .AddColumn("signal")
            .AddColumn("distance")
            .AddColumn("status")
            .AddColumn("platform")
            .AddColumn("case");
        foreach (var item in response.Value.Items)
        {
            var closeness = item.Distance is { } distance
                ? distance.ToString(CultureInfo.InvariantCulture)
                : item.Similarity is { } similarity ? $"similarity {similarity.ToString("0.00", CultureInfo.InvariantCulture)}" : null;
            table.AddRow(
                SearchCommand.Plain(item.ContentId.ToString()),
                SearchCommand.Plain(item.Signal),
                SearchCommand.Plain(closeness),
                SearchCommand.Plain(item.Status),
                SearchCommand.Plain(item.Platform),
                SearchCommand.Plain(item.CaseUrl));
        }
        host.Console.Write(table);
        return ExitCodes.Ok;
    }

    private static async Task<SimilarImage?> ReadImageAsync(string? path, CancellationToken cancellationToken)
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
        // The service decodes by content; the type only says it is an image.
        var extension = System.IO.Path.GetExtension(path).ToLowerInvariant();
        var type = extension switch
        {
            ".jpg" or ".jpeg" => "image/jpeg",
            "" => "image/octet-stream",
            _ => $"image/{extension[1..]}",
        };
        return new SimilarImage(type, Convert.ToBase64String(bytes));
    }

    private sealed record SimilarImage(string ContentType, string Data);

    private sealed record SimilarRequest(IReadOnlyList<string>? Pdq, SimilarImage? Image, string? Text, int? MaxDistance, int? Limit);

    private sealed record SimilarItem(Guid ContentId, string? Signal, int? Distance, double? Similarity, string? Status, string? Platform, string? CaseUrl);

    private sealed record SimilarResponse(IReadOnlyList<SimilarItem> Items, string? ImageHash);
}
