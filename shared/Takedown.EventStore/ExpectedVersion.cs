namespace Takedown.EventStore;

/// <summary>What the writer believes the stream's version to be; checked before any sequence number is taken.</summary>
public readonly record struct ExpectedVersion
{
    private const long AnyValue = -2;
    private const long NoStreamValue = -1;

    private ExpectedVersion(long value) => Value = value;

    public long Value { get; }

    /// <summary>Append whatever the stream's version (creates the stream when missing).</summary>
    public static ExpectedVersion Any { get; } = new(AnyValue);

    /// <summary>The stream must not exist yet.</summary>
    public static ExpectedVersion NoStream { get; } = new(NoStreamValue);

    /// <summary>The stream must be at exactly this version (0 is not allowed: use NoStream).</summary>
    public static ExpectedVersion Exactly(long version) =>
        version >= 1 ? new(version) : throw new ArgumentOutOfRangeException(nameof(version), "A stream that exists has version 1 or more.");

    public bool IsAny => Value == AnyValue;
    public bool IsNoStream => Value == NoStreamValue;

    public override string ToString() => Value switch
    {
        AnyValue => "any",
        NoStreamValue => "no stream",
        _ => Value.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}

/// <summary>The stream was not at the version the writer expected: someone else wrote first.</summary>
public sealed class StreamConcurrencyException(string streamId, ExpectedVersion expected, long? actual)
    : Exception($"Stream '{streamId}' was expected at version {expected} but is at {(actual is null ? "no stream" : actual.Value.ToString(System.Globalization.CultureInfo.InvariantCulture))}.")
{
    public string StreamId { get; } = streamId;
    public ExpectedVersion Expected { get; } = expected;
    /// <summary>The stream's version when the append was refused; null when the stream did not exist.</summary>
    public long? Actual { get; } = actual;
}
