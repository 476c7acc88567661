using System.Globalization;
using Microsoft.Extensions.Options;
using Takedown.EventStore.Evidence;

namespace Takedown.Reporting.Evidence;

/// <summary>
/// Writes every case stream's head, signed, to <c>Evidence:HeadsExportDirectory</c> at start and then every
/// <c>Evidence:HeadsExportInterval</c>, as <c>reporting-stream-heads-{yyyyMMddTHHmmssZ}.json</c>. Kept outside the
/// database (ship the folder elsewhere), they let <c>takedown audit verify --heads</c> catch a chain rewritten whole.
/// </summary>
public sealed partial class StreamHeadsExporter(
    EventStore.EventStore store, EvidenceSigner signer, IOptions<EvidenceOptions> options, TimeProvider time, ILogger<StreamHeadsExporter> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var directory = options.Value.HeadsExportDirectory;
        if (string.IsNullOrWhiteSpace(directory))
            return;
        if (signer.Key is not { } key)
        {
            // Exports are only worth keeping signed; the deployment runs on, and says why none appear.
            LogNoKey(logger, directory);
            return;
        }
        Directory.CreateDirectory(directory);
        using var timer = new PeriodicTimer(options.Value.HeadsExportInterval, time);
        do
        {
            try
            {
                var path = await ExportAsync(directory, key, stoppingToken);
                LogExported(logger, path);
            }
            catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                LogFailed(logger, e, directory);
            }
        }
        while (await WaitAsync(timer, stoppingToken));
    }

    private async Task<string> ExportAsync(string directory, EvidenceSigningKey key, CancellationToken ct)
    {
        var heads = await StreamHeadsExport.ReadAsync(store.DataSource, store.Schema, time.GetUtcNow(), ct);
        var name = $"{store.Schema}-stream-heads-{heads.GeneratedAt.UtcDateTime.ToString("yyyyMMdd'T'HHmmssfff'Z'", CultureInfo.InvariantCulture)}.json";
        var path = Path.Combine(directory, name);
        // Written aside and moved into place, so a file under its final name is always whole.
        var partial = path + ".partial";
        await File.WriteAllBytesAsync(partial, StreamHeadsExport.Serialize(StreamHeadsExport.Sign(heads, key)), ct);
        File.Move(partial, path, overwrite: true);
        return path;
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken ct)
    {
        try
        {
            return await timer.WaitForNextTickAsync(ct);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Evidence:HeadsExportDirectory is {Directory} but no signing key is configured (Evidence:SigningKey or Evidence:SigningKeyFile): no stream heads are exported")]
    private static partial void LogNoKey(ILogger logger, string directory);

    [LoggerMessage(Level = LogLevel.Information, Message = "Exported stream heads to {Path}")]
    private static partial void LogExported(ILogger logger, string path);

    [LoggerMessage(Level = LogLevel.Error, Message = "Exporting stream heads to {Directory} failed; trying again at the next interval")]
    private static partial void LogFailed(ILogger logger, Exception exception, string directory);
}
