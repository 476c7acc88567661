using System.CommandLine;
using System.IO.Compression;
using System.Text.Json;
using Takedown.EventStore.Evidence;

namespace Takedown.Cli;

/// <summary><c>takedown case export ID -o FILE.zip</c>: the case's signed evidence bundle, as Reporting makes it.</summary>
public sealed class CaseExportCommand : Command
{
    private readonly CliOptions options;
    private readonly CliHost host;

    private readonly Argument<Guid> id = new("id")
    {
        Description = "Content id, as printed by `takedown report`",
    };

    private readonly Option<FileInfo> output = new("--output", "-o")
    {
        Description = "Where to write the bundle (a zip)",
        HelpName = "file.zip",
        Required = true,
    };

    public CaseExportCommand(CliOptions options, CliHost host)
        : base("export", "Download the case's evidence bundle: events with their hash chain, reported text and media, notices, signed manifest")
    {
        this.options = options;
        this.host = host;
        Arguments.Add(id);
        Options.Add(output);
        SetAction((parseResult, cancellationToken) => host.RunAsync(() => ExecuteAsync(parseResult, cancellationToken)));
    }

    private async Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        var contentId = parseResult.GetRequiredValue(id);
        var file = parseResult.GetRequiredValue(output);
        // The media of a case can be large, and Reporting fetches it from Ingest before it answers.
        using var api = new ApiClient(host.Http, options.ApiKeyFrom(parseResult), TimeSpan.FromMinutes(5));
        var bundle = await api.GetBytesAsync(options.Reporting(parseResult), $"api/v1/cases/{contentId}/evidence-bundle", "application/zip", cancellationToken);

        BundleManifest manifest;
        try
        {
            using var zip = new ZipArchive(new MemoryStream(bundle), ZipArchiveMode.Read);
            using var stream = zip.GetEntry(EvidenceBundle.ManifestPath)?.Open() ?? throw new InvalidDataException("no manifest.json");
            manifest = JsonSerializer.Deserialize<BundleManifest>(stream, ApiClient.Json) ?? throw new InvalidDataException("empty manifest.json");
        }
        catch (Exception e) when (e is InvalidDataException or JsonException)
        {
            throw new ServiceUnavailableException($"Reporting answered with something that is not an evidence bundle: {e.Message}");
        }

        try
        {
            await File.WriteAllBytesAsync(file.FullName, bundle, cancellationToken);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"cannot write {file.FullName}: {e.Message}");
        }
        host.Out.WriteLine($"wrote {file.FullName} ({bundle.Length} bytes)");
        host.Out.WriteLine($"case {manifest.CaseId}: {manifest.StreamId} at version {manifest.StreamVersion}, chain head {manifest.ChainHead}");
        host.Out.WriteLine($"signed by key {manifest.KeyId}; check it with: takedown audit verify --bundle {file} --public-key KEY.pem");
        foreach (var item in manifest.OmittedMedia)
            host.Error.WriteLine($"note: media {item.Sha256} (event version {item.Version}) is not in the bundle: {item.Reason}");
        return ExitCodes.Ok;
    }
}

/// <summary><c>takedown audit heads -o FILE</c>: a signed export of every case stream's head, now.</summary>
public sealed class AuditHeadsCommand : Command
{
    private readonly CliOptions options;
    private readonly CliHost host;

    private readonly Option<FileInfo> output = new("--output", "-o")
    {
        Description = "Where to write the signed heads (JSON)",
        HelpName = "file.json",
        Required = true,
    };

    public AuditHeadsCommand(CliOptions options, CliHost host)
        : base("heads", "Fetch a signed export of every case stream's head from Reporting (admin key); keep it, and later: audit verify --heads FILE")
    {
        this.options = options;
        this.host = host;
        Options.Add(output);
        SetAction((parseResult, cancellationToken) => host.RunAsync(() => ExecuteAsync(parseResult, cancellationToken)));
    }

    private async Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        var file = parseResult.GetRequiredValue(output);
        using var api = new ApiClient(host.Http, options.ApiKeyFrom(parseResult), TimeSpan.FromMinutes(5));
        var signed = await api.GetBytesAsync(options.Reporting(parseResult), "api/v1/admin/audit/heads", "application/json", cancellationToken);
        StreamHeads heads;
        try
        {
            heads = StreamHeadsExport.Open(signed, pinned: null);
        }
        catch (StreamHeadsRejectedException e)
        {
            throw new ServiceUnavailableException($"Reporting answered with heads that do not check: {e.Message}");
        }
        await File.WriteAllBytesAsync(file.FullName, signed, cancellationToken);
        host.Out.WriteLine($"wrote {file.FullName}: {heads.Streams.Count} streams of schema {heads.Schema} at {heads.GeneratedAt:O}");
        return ExitCodes.Ok;
    }
}
