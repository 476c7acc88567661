using Takedown.EventStore;
using Contracts = Takedown.Contracts;

namespace Takedown.ReuploadDetection.Banks;

/// <summary>A hash entered a bank (the REMOVED bank, or an imported hash list).</summary>
public sealed record HashAdded(string Bank, string Signal, string Value, Guid? ContentId, string Label, string Source, DateTimeOffset AddedAt);

public sealed record BankMatch(Guid ContentId, string Signal, string Value);

/// <summary>
/// Exact-hash lookup table over the banks, updated inline: in the same transaction as the HashAdded
/// events it is built from, so a banked hash is matchable the moment its event commits.
/// </summary>
public static class BankIndex
{
    public const string RemovedBank = "removed";

    public static readonly IReadOnlyList<string> Migrations =
    [
        """
        CREATE TABLE {schema}.bank_hashes (
            bank text NOT NULL,
            signal text NOT NULL,
            value text NOT NULL,
            content_id uuid,
            added_at timestamptz NOT NULL,
            UNIQUE NULLS NOT DISTINCT (bank, signal, value, content_id));
        CREATE INDEX bank_hashes_lookup ON {schema}.bank_hashes (signal, value);
        """,
    ];

    public static async Task<IReadOnlyList<BankMatch>> FindRemovedAsync(EventSession session, Guid contentId, IReadOnlyList<Contracts.Fingerprint> fingerprints, CancellationToken ct)
    {
        var matches = new List<BankMatch>();
        foreach (var fingerprint in fingerprints)
        {
            await using var command = session.CreateCommand(
                $"""
                SELECT DISTINCT ON (content_id) content_id FROM {SchemaOf(session)}.bank_hashes
                WHERE bank = @bank AND signal = @signal AND value = @value AND content_id <> @content
                ORDER BY content_id
                """);
            command.Parameters.AddWithValue("bank", RemovedBank);
            command.Parameters.AddWithValue("signal", fingerprint.Signal);
            command.Parameters.AddWithValue("value", fingerprint.Value);
            command.Parameters.AddWithValue("content", contentId);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var matched = reader.GetGuid(0);
                if (matches.All(m => m.ContentId != matched))
                    matches.Add(new BankMatch(matched, fingerprint.Signal, fingerprint.Value));
            }
        }
        return matches;
    }

    public static async Task AddAsync(EventSession session, HashAdded added, CancellationToken ct)
    {
        await using var command = session.CreateCommand(
            $"""
            INSERT INTO {SchemaOf(session)}.bank_hashes (bank, signal, value, content_id, added_at)
            VALUES (@bank, @signal, @value, @content, @at) ON CONFLICT DO NOTHING
            """);
        command.Parameters.AddWithValue("bank", added.Bank);
        command.Parameters.AddWithValue("signal", added.Signal);
        command.Parameters.AddWithValue("value", added.Value);
        command.Parameters.AddWithValue("content", (object?)added.ContentId ?? DBNull.Value);
        command.Parameters.AddWithValue("at", added.AddedAt);
        await command.ExecuteNonQueryAsync(ct);
    }

    private static string SchemaOf(EventSession session) => session.Schema;
}
