using System.Text.RegularExpressions;
using Takedown.EventStore;
using Takedown.Fingerprints.Text;
using Takedown.Fingerprints.Urls;
using Takedown.ReuploadDetection.Fingerprinting;

namespace Takedown.ReuploadDetection.Banks;

/// <summary>An event in a bank's stream, "bank-{name}".</summary>
public interface IBankEvent
{
    string Bank { get; }
}

/// <summary>A hash entered a bank (the REMOVED bank, or an imported hash list), in the stream "bank-{name}".</summary>
public sealed record HashAdded(string Bank, string Signal, string Value, Guid? ContentId, string Label, string Source, DateTimeOffset AddedAt) : IBankEvent;

/// <summary>A hash left a bank (every entry of it, whichever content it came from): it no longer matches.</summary>
public sealed record HashRemoved(string Bank, string Signal, string Value, string RemovedBy, DateTimeOffset RemovedAt) : IBankEvent;

/// <summary>One hash of a bank: what an import row or a removed content's fingerprint becomes.</summary>
public sealed record BankHash(string Signal, string Value, string Label, string Source);

/// <summary>
/// A command on one bank. What the bank already holds is the catalogue's answer (<see cref="BankCatalogue"/>), read under
/// the bank's lock and carried in the command: a bank of millions of hashes is not folded for every write.
/// </summary>
public abstract record BankCommand(DateTimeOffset Now);

/// <param name="ContentId">The removed content the hashes come from; null for an imported list.</param>
/// <param name="Banked">Which of the hashes' (signal, value) the bank already holds for that content.</param>
public sealed record AddHashes(IReadOnlyList<BankHash> Hashes, Guid? ContentId, IReadOnlySet<(string Signal, string Value)> Banked, DateTimeOffset Now)
    : BankCommand(Now);

/// <param name="Banked">Whether the bank holds the hash at all, for any content.</param>
public sealed record RemoveHash(string Signal, string Value, bool Banked, string RemovedBy, DateTimeOffset Now) : BankCommand(Now);

/// <summary>What the write path folds of a bank: its name. Everything else about it is in the catalogue.</summary>
public sealed record BankState(string Name);

public static partial class Bank
{
    /// <summary>Fed by confirmed takedowns; imports go to other banks.</summary>
    public const string Removed = "removed";

    public const int MaxLabelLength = 200;
    public const int MaxSourceLength = 200;
    private const int MaxUrlLength = 4096;

    public const string StreamPrefix = "bank-";

    public static string StreamId(string bank) => StreamPrefix + bank;

    /// <summary>
    /// Registered inline, so fetching a bank for writing loads one small document and the stream's version instead of
    /// replaying every HashAdded the bank ever had.
    /// </summary>
    public static readonly StreamAggregate<BankState, IBankEvent> Aggregate =
        new(streamId => new BankState(streamId[StreamPrefix.Length..]), (state, _) => state) { Name = "bank-state" };

    /// <summary>
    /// A hash is added once per bank and content: rows the bank already holds, and repeats within the command, are
    /// duplicates. Removing a hash the bank does not hold decides nothing (the caller answers 404).
    /// </summary>
    public static IBankEvent[] Decide(BankCommand command, BankState state) => command switch
    {
        AddHashes c => [.. c.Hashes
            .DistinctBy(h => (h.Signal, h.Value))
            .Where(h => !c.Banked.Contains((h.Signal, h.Value)))
            .Select(h => new HashAdded(state.Name, h.Signal, h.Value, c.ContentId, h.Label, h.Source, c.Now))],
        RemoveHash { Banked: false } => [],
        RemoveHash c => [new HashRemoved(state.Name, c.Signal, c.Value, c.RemovedBy, c.Now)],
        _ => throw new ArgumentOutOfRangeException(nameof(command), command.GetType().Name, "Unknown bank command."),
    };

    public static bool IsValidName(string? name) => name is not null && Name().IsMatch(name);

    public const string NameRule = "A bank name is 1 to 64 characters: lower-case letters, digits and '-'.";

    public static readonly IReadOnlyList<string> KnownSignals =
        [Signals.Pdq, Signals.Vpdq, Signals.MediaSha256, Signals.MediaMd5, Signals.TextSha256, Signals.TextMinHash, Signals.Url];

    /// <summary>
    /// Checks one hash for its signal and puts the value in the form matching compares: lower-case hex, or for
    /// <c>url</c> the canonical URL (<see cref="CanonicalUrl"/>, as Ingest gives every submission). Null when valid.
    /// </summary>
    public static string? Validate(string? signal, string? value, string? label, string? source, out BankHash hash)
    {
        hash = new BankHash("", "", "", "");
        signal = signal?.Trim().ToLowerInvariant();
        value = value?.Trim();
        if (string.IsNullOrEmpty(signal))
            return "signal is required.";
        if (string.IsNullOrEmpty(value))
            return "hash is required.";
        if ((label?.Length ?? 0) > MaxLabelLength)
            return $"label is longer than {MaxLabelLength} characters.";
        if ((source?.Length ?? 0) > MaxSourceLength)
            return $"source is longer than {MaxSourceLength} characters.";

        string? normalised;
        switch (signal)
        {
            case Signals.Pdq or Signals.Vpdq or Signals.MediaSha256 or Signals.TextSha256:
                normalised = Hex(value, 64);
                if (normalised is null)
                    return $"a {signal} hash is 64 hexadecimal digits.";
                break;
            case Signals.MediaMd5:
                normalised = Hex(value, 32);
                if (normalised is null)
                    return "a media-md5 hash is 32 hexadecimal digits.";
                break;
            case Signals.TextMinHash:
                if (!TextFingerprint.TryParse(value, out var text))
                    return $"a {Signals.TextMinHash} hash is a text fingerprint: 32 or 544 hexadecimal digits.";
                normalised = text.ToHex();
                break;
            case Signals.Url:
                if (value.Length > MaxUrlLength || !CanonicalUrl.TryCreate(value, out normalised, out _))
                    return $"a url is an absolute http or https URL of at most {MaxUrlLength} characters.";
                break;
            default:
                return $"unknown signal '{signal}'; one of {string.Join(", ", KnownSignals)}.";
        }
        hash = new BankHash(signal, normalised, label?.Trim() ?? "", source?.Trim() ?? "");
        return null;
    }

    private static string? Hex(string value, int digits)
    {
        if (value.Length != digits)
            return null;
        foreach (var c in value)
        {
            if (!char.IsAsciiHexDigit(c))
                return null;
        }
        return value.ToLowerInvariant();
    }

    [GeneratedRegex("^[a-z0-9-]{1,64}$")]
    private static partial Regex Name();
}
