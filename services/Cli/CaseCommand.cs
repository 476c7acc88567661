using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Takedown.Cli;

public sealed class CaseCommand : Command
{
    public const string FingerprintsRecorded = "FingerprintsRecorded";
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);

    private readonly CliOptions options;
    private readonly CliHost host;

    private readonly Argument<Guid> id = new("id")
    {
        Description = "Content id, as printed by `takedown report`",
    };

    private readonly Option<int?> wait = new("--wait")
    {
        Description = "Poll for up to this many seconds until the case is classified and fingerprinted",
        HelpName = "seconds",
    };

    public CaseCommand(CliOptions options, CliHost host)
        : base("case", "Show a case and its timeline (GET from the Reporting API)")
    {
        this.options = options;
        this.host = host;
        wait.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int?>() < 0)
            {
                result.AddError("--wait cannot be negative.");
            }
        });
        Arguments.Add(id);
        Options.Add(wait);
        Subcommands.Add(new CaseNoticeCommand(options, host));
        Subcommands.Add(new CaseResponseCommand(options, host));
        Subcommands.Add(new CaseExportCommand(options, host));
        SetAction((parseResult, cancellationToken) => host.RunAsync(() => ExecuteAsync(parseResult, cancellationToken)));
    }

    private async Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        var reporting = options.Reporting(parseResult);
        var path = $"api/v1/cases/{parseResult.GetRequiredValue(id)}";
        var waitFor = parseResult.GetValue(wait) is { } seconds ? TimeSpan.FromSeconds(seconds) : (TimeSpan?)null;
        var started = host.Time.GetTimestamp();

        using var api = new ApiClient(host.Http, options.ApiKeyFrom(parseResult));
        ApiResponse<CaseView>? found = null;
        ApiProblemException? missing = null;
        while (true)
        {
            try
            {
                found = await api.SendAsync<CaseView>(HttpMethod.Get, reporting, path, body: null, cancellationToken);
            }
            catch (ApiProblemException e) when (e.Status == 404 && waitFor is not null)
            {
                // Reporting builds the case from events, so right after a report it may not exist yet.
                missing = e;
            }
            if (waitFor is null || (found is not null && IsComplete(found.Value)) || host.Time.GetElapsedTime(started) >= waitFor)
            {
                break;
            }
            await Task.Delay(PollInterval, host.Time, cancellationToken);
        }

        if (found is null)
        {
            throw missing!;
        }
        if (waitFor is not null && !IsComplete(found.Value))
        {
            host.Error.WriteLine($"note: stopped waiting after {waitFor.Value.TotalSeconds:0} s; {Missing(found.Value)}.");
        }
        if (options.WantsJson(parseResult))
        {
            host.Out.WriteLine(found.Json);
        }
        else
        {
            Render(host.Console, found.Value);
        }
        return ExitCodes.Ok;
    }

    /// <summary>
    /// Reported, classified and fingerprinted: the report has been carried through every service. The three
    /// arrive in any order (the services run in parallel), so a case can be classified before it is reported.
    /// </summary>
    public static bool IsComplete(CaseView view) => IsReported(view) && view.Category is not null && IsFingerprinted(view);

    private static bool IsReported(CaseView view) => (view.Timeline ?? []).Any(entry => entry.Type == "ContentReported");

    private static bool IsFingerprinted(CaseView view) =>
        (view.Timeline ?? []).Any(entry => entry.Type == FingerprintsRecorded);

    private static string Missing(CaseView view) => (view.Category is null, IsFingerprinted(view)) switch
    {
        _ when !IsReported(view) => "the report itself has not reached Reporting yet",
        (true, false) => $"not yet classified and no {FingerprintsRecorded} event",
        (true, true) => "not yet classified",
        _ => $"no {FingerprintsRecorded} event yet",
    };

    public static void Render(IAnsiConsole console, CaseView view)
    {
        var header = new Grid()
            .AddColumn(new GridColumn().NoWrap().PadRight(2))
            .AddColumn();
        AddRow(header, "case", view.ContentId.ToString());
        AddRow(header, "status", view.Status);
        AddRow(header, "category", view.Category is null || view.Confidence is null
            ? view.Category
            : $"{view.Category} (confidence {view.Confidence.Value.ToString("0.##", CultureInfo.InvariantCulture)})");
        AddRow(header, "severity", view.Severity);
        AddRow(header, "platform", view.Platform);
        if (view.Account is not null)
        {
            AddRow(header, "account", view.Account);
        }
        AddRow(header, "url", view.Url);
        if (view.CanonicalUrl is not null && view.CanonicalUrl != view.Url)
        {
            AddRow(header, "canonical url", view.CanonicalUrl);
        }
        AddRow(header, "reports", view.ReportCount?.ToString(CultureInfo.InvariantCulture));
        if (view.ReuploadOf is { Length: > 0 } originals)
        {
            AddRow(header, "re-upload of", string.Join(", ", originals));
        }
        if (view.RemovedAt is { } removedAt)
        {
            AddRow(header, "removed", FormatTime(removedAt));
        }
        console.Write(header);

        var timeline = new Table()
            .AddColumn("version")
            .AddColumn("time (UTC)")
            .AddColumn("type")
            .AddColumn("summary");
        foreach (var entry in view.Timeline ?? [])
        {
            timeline.AddRow(
                Plain(entry.Version?.ToString(CultureInfo.InvariantCulture)),
                Plain(entry.OccurredAt is { } occurredAt ? FormatTime(occurredAt) : null),
                Plain(entry.Type),
                Plain(entry.Summary));
        }
        console.Write(timeline);
    }

    private static void AddRow(Grid grid, string label, string? value) => grid.AddRow(Plain(label), Plain(value));

    // Values come from reported content and platforms; as Text they can never be read as Spectre markup.
    private static IRenderable Plain(string? value) => new Text(value ?? "-");

    private static string FormatTime(DateTimeOffset instant) =>
        instant.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}

/// <summary>Body of <c>GET /api/v1/cases/{id}</c>. Anything but the id may be null while the case is being built.</summary>
public sealed record CaseView(
    Guid ContentId,
    long? Version,
    [property: JsonConverter(typeof(ScalarAsStringConverter))] string? Status,
    string? Platform,
    string? Url,
    string? CanonicalUrl,
    [property: JsonConverter(typeof(ScalarAsStringConverter))] string? Category,
    [property: JsonConverter(typeof(ScalarAsStringConverter))] string? Severity,
    double? Confidence,
    int? ReportCount,
    Guid[]? ReuploadOf,
    DateTimeOffset? RemovedAt,
    TimelineEntry[]? Timeline,
    string? Account = null);

public sealed record TimelineEntry(long? Version, string? Type, DateTimeOffset? OccurredAt, string? Summary);

/// <summary>Reads a string, number or boolean as text, so an enum the server sends as a number still displays.</summary>
public sealed class ScalarAsStringConverter : JsonConverter<string?>
{
    public override bool HandleNull => true;

    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType switch
        {
            JsonTokenType.Null => null,
            JsonTokenType.String => reader.GetString(),
            JsonTokenType.Number or JsonTokenType.True or JsonTokenType.False =>
                JsonDocument.ParseValue(ref reader).RootElement.GetRawText(),
            _ => throw new JsonException($"Expected a string, number or boolean, got {reader.TokenType}."),
        };

    public override void Write(Utf8JsonWriter writer, string? value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value);
}
