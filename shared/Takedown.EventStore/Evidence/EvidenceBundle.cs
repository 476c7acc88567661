using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Takedown.EventStore.Evidence;

/// <summary>One event in <c>events.json</c>: what its link in the chain hashed, verbatim, and its metadata.</summary>
/// <param name="Timestamp">UTC with exactly six fractional digits: the microseconds the chain hashed.</param>
/// <param name="Data">The event's data as the text PostgreSQL hashed (a JSON document inside a JSON string).</param>
/// <param name="Headers">Metadata (actor, traceparent, hash); only <c>hash</c> is covered by the chain.</param>
public sealed record BundleEvent(
    long Version, string Type, string Timestamp, string Data, string Hash,
    JsonElement? Headers = null, string? CorrelationId = null, string? CausationId = null);

public sealed record BundleEvents(string StreamId, IReadOnlyList<BundleEvent> Events);

public sealed record ManifestFile(string Path, string Sha256, long Length);

/// <summary>A media item an event names but the bundle does not hold, and why (Ingest no longer has it).</summary>
public sealed record OmittedMedia(string Sha256, long Version, string Reason);

/// <summary>The signed index of a bundle: <c>manifest.sig</c> is the signature of this file's exact bytes.</summary>
public sealed record BundleManifest(
    string Format, Guid CaseId, string StreamId, long StreamVersion, string ChainHead, DateTimeOffset GeneratedAt,
    string KeyId, string SignatureAlgorithm, IReadOnlyList<ManifestFile> Files, IReadOnlyList<OmittedMedia> OmittedMedia);

/// <summary>A media item a case's report supplied, by the SHA-256 the report recorded.</summary>
public sealed record MediaReference(string Sha256, long Length, string? ContentType, long Version);

/// <summary>
/// The evidence bundle of a case: a zip holding the case stream's events with their hash chain (<c>events.json</c>), the
/// reported text (<c>reported-text/v{version}.txt</c>), the reported media by SHA-256 (<c>media/{sha256}</c>), the
/// notices and answers (<c>notices.json</c>), fingerprints and re-upload matches (<c>fingerprints.json</c>), and
/// <c>manifest.json</c> (every file's SHA-256 and length, the stream version, the chain head) signed in
/// <c>manifest.sig</c> by the key in <c>public-key.pem</c>. Everything but the events is derived from them, so the
/// verifier derives it again and compares. docs/evidence.md is the format's description for third parties.
/// </summary>
public static class EvidenceBundle
{
    public const string Format = "takedown-evidence-bundle/1";
    public const string SignatureAlgorithm = "ECDSA-P256-SHA256 (DER)";
    public const string ManifestPath = "manifest.json";
    public const string SignaturePath = "manifest.sig";
    public const string PublicKeyPath = "public-key.pem";
    public const string EventsPath = "events.json";
    public const string NoticesPath = "notices.json";
    public const string FingerprintsPath = "fingerprints.json";
    public const string MediaFolder = "media/";
    public const string TextFolder = "reported-text/";
    public const string ReportType = "content-reported";

    /// <summary>Reporting's stored event names that are notices to a platform and its answers.</summary>
    public static readonly IReadOnlyList<string> NoticeTypes =
        ["notice-sent", "platform-acknowledged", "removal-confirmed", "removal-rejected", "escalated", "sla-breached", "content-reinstated", "case-closed"];

    /// <summary>Reporting's stored event names that carry fingerprints and re-upload matches.</summary>
    public static readonly IReadOnlyList<string> FingerprintTypes = ["fingerprints-recorded", "reupload-linked"];

    private const string TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'";

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        // The files are read by people and by verifiers, never embedded in HTML: Arabic stays readable.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        // A verifier reads files an attacker may have written: a missing field is an error, not a null.
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
    };

    public static string StreamIdOf(Guid caseId) => $"case-{caseId}";

    public static string FormatTimestamp(long micros) =>
        DateTimeOffset.UnixEpoch.AddTicks(micros * 10).ToString(TimestampFormat, CultureInfo.InvariantCulture);

    public static bool TryParseTimestamp(string text, out long micros)
    {
        micros = 0;
        if (!DateTimeOffset.TryParseExact(text, TimestampFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
            return false;
        micros = (at.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;
        return true;
    }

    public static BundleEvent ToBundleEvent(ChainedEvent e) => new(
        e.Version, e.Type, FormatTimestamp(e.TimestampMicros), e.Data, e.Hash,
        e.Headers is null ? null : JsonDocument.Parse(e.Headers).RootElement.Clone(), e.CorrelationId, e.CausationId);

    /// <summary>The media the case's reports supplied, in event order, each SHA-256 once.</summary>
    public static IReadOnlyList<MediaReference> MediaOf(IEnumerable<BundleEvent> events)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var media = new List<MediaReference>();
        foreach (var e in events.Where(e => e.Type == ReportType))
        {
            using var data = JsonDocument.Parse(e.Data);
            if (!data.RootElement.TryGetProperty("media", out var items) || items.ValueKind != JsonValueKind.Array)
                continue;
            foreach (var item in items.EnumerateArray())
            {
                if (item.TryGetProperty("sha256", out var sha) && sha.GetString() is { } hex && seen.Add(hex.ToLowerInvariant()))
                {
                    media.Add(new MediaReference(hex.ToLowerInvariant(),
                        item.TryGetProperty("length", out var length) && length.TryGetInt64(out var n) ? n : -1,
                        item.TryGetProperty("contentType", out var type) ? type.GetString() : null, e.Version));
                }
            }
        }
        return media;
    }

    /// <summary>The organisation that made a report (a <see cref="ReportType"/> event); null for any other event.</summary>
    public static string? ReporterOrganisationOf(BundleEvent e)
    {
        if (e.Type != ReportType)
            return null;
        using var data = JsonDocument.Parse(e.Data);
        return data.RootElement.TryGetProperty("reporterOrganisation", out var organisation) ? organisation.GetString() : null;
    }

    /// <summary>Every file of the bundle that follows from the events alone (all but the media, manifest, signature and key).</summary>
    public static SortedDictionary<string, byte[]> DerivedFiles(string streamId, IReadOnlyList<BundleEvent> events)
    {
        var files = new SortedDictionary<string, byte[]>(StringComparer.Ordinal)
        {
            [EventsPath] = JsonSerializer.SerializeToUtf8Bytes(new BundleEvents(streamId, events), Json),
            [NoticesPath] = Selected(events, NoticeTypes),
            [FingerprintsPath] = Selected(events, FingerprintTypes),
        };
        foreach (var e in events.Where(e => e.Type == ReportType))
        {
            using var data = JsonDocument.Parse(e.Data);
            if (data.RootElement.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.String && text.GetString() is { Length: > 0 } value)
                files[$"{TextFolder}v{e.Version}.txt"] = Encoding.UTF8.GetBytes(value);
        }
        return files;
    }

    // The events of these types with their data as JSON rather than as hashed text, for reading; the verifier derives it again.
    private static byte[] Selected(IEnumerable<BundleEvent> events, IReadOnlyList<string> types)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = Json.Encoder }))
        {
            writer.WriteStartArray();
            foreach (var e in events.Where(e => types.Contains(e.Type)))
            {
                writer.WriteStartObject();
                writer.WriteNumber("version", e.Version);
                writer.WriteString("type", e.Type);
                writer.WriteString("timestamp", e.Timestamp);
                writer.WritePropertyName("data");
                using var data = JsonDocument.Parse(e.Data);
                data.RootElement.WriteTo(writer);
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
        }
        return buffer.ToArray();
    }

    /// <summary>Writes the zip: the events' derived files, the media fetched for them, the signed manifest and the public key.</summary>
    /// <param name="media">Bytes by lower-case SHA-256, for each media item that could be fetched.</param>
    public static void Write(
        Stream output, Guid caseId, IReadOnlyList<ChainedEvent> events, IReadOnlyDictionary<string, byte[]> media,
        IReadOnlyList<OmittedMedia> omitted, DateTimeOffset generatedAt, EvidenceSigningKey key)
    {
        var streamId = StreamIdOf(caseId);
        var bundleEvents = events.Select(ToBundleEvent).ToList();
        var files = DerivedFiles(streamId, bundleEvents);
        foreach (var (sha256, bytes) in media)
            files[MediaFolder + sha256] = bytes;
        files[PublicKeyPath] = Encoding.ASCII.GetBytes(key.PublicKey.Pem);

        var manifest = new BundleManifest(Format, caseId, streamId, events.Count == 0 ? 0 : events[^1].Version, events.Count == 0 ? "" : events[^1].Hash,
            generatedAt, key.PublicKey.KeyId, SignatureAlgorithm,
            [.. files.Select(f => new ManifestFile(f.Key, Convert.ToHexStringLower(SHA256.HashData(f.Value)), f.Value.Length))], omitted);
        var manifestBytes = JsonSerializer.SerializeToUtf8Bytes(manifest, Json);

        using var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true);
        Add(zip, ManifestPath, manifestBytes, generatedAt);
        Add(zip, SignaturePath, key.Sign(manifestBytes), generatedAt);
        foreach (var (path, bytes) in files)
            Add(zip, path, bytes, generatedAt);
    }

    private static void Add(ZipArchive zip, string path, byte[] bytes, DateTimeOffset at)
    {
        var entry = zip.CreateEntry(path, CompressionLevel.Optimal);
        entry.LastWriteTime = at;
        using var stream = entry.Open();
        stream.Write(bytes);
    }
}
