using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Npgsql;
using Takedown.EventStore;

namespace Takedown.ServiceDefaults.Auth;

public sealed class AuthOptions
{
    /// <summary>An admin key taken from configuration, so a fresh deployment can create the first real keys.</summary>
    public string? BootstrapAdminKey { get; set; }

    /// <summary>
    /// The key the services present to each other, taken from configuration so a fresh deployment needs no issued
    /// key for it: a request with it acts in the role <see cref="Roles.Service"/> only. Empty: off.
    /// </summary>
    public string? ServiceKey { get; set; }
}

public sealed record ApiKeyIdentity(Guid Id, string Name, string Organisation, IReadOnlyList<string> Roles);

public sealed record IssuedApiKey(Guid Id, string Name, string Organisation, IReadOnlyList<string> Roles, string Key);

/// <summary>
/// API keys live in the shared "auth" schema, stored only as SHA-256 hashes: keys are 256 random bits,
/// so a fast hash is enough (no password stretching needed) and lookups stay cheap.
/// </summary>
public sealed class ApiKeys(NpgsqlDataSource dataSource, IOptions<AuthOptions> options, TimeProvider time)
{
    public const string Schema = "auth";
    private static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(30);
    private static readonly Guid BootstrapKeyId = Guid.Empty;
    private static readonly Guid ServiceKeyId = new("00000000-0000-0000-0000-000000000001");
    // Only keys that were found are cached: a miss is never stored, so callers without a valid key cannot grow it.
    private readonly ConcurrentDictionary<string, (ApiKeyIdentity Identity, DateTimeOffset Until)> _cache = new();

    /// <summary>At most this many keys are cached; far more than the keys a deployment issues.</summary>
    internal int MaxCachedKeys { get; init; } = 10_000;

    internal int CachedKeys => _cache.Count;

    internal static readonly IReadOnlyList<string> Migrations =
    [
        """
        CREATE TABLE {schema}.api_keys (
            id uuid PRIMARY KEY,
            name text NOT NULL,
            organisation text NOT NULL,
            roles text[] NOT NULL,
            key_hash bytea NOT NULL UNIQUE,
            created_at timestamptz NOT NULL,
            revoked_at timestamptz);
        """,
    ];

    public Task MigrateAsync(CancellationToken ct) => SchemaMigrator.MigrateAsync(dataSource, Schema, "auth", Migrations, ct);

    public async Task<IssuedApiKey> IssueAsync(string name, string organisation, IReadOnlyList<string> roles, CancellationToken ct)
    {
        var key = "tdk_" + Base64Url(RandomNumberGenerator.GetBytes(32));
        var id = Guid.CreateVersion7();
        await using var command = dataSource.CreateCommand(
            $"INSERT INTO {Schema}.api_keys (id, name, organisation, roles, key_hash, created_at) VALUES (@id, @name, @org, @roles, @hash, @at)");
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("name", name);
        command.Parameters.AddWithValue("org", organisation);
        command.Parameters.AddWithValue("roles", roles.ToArray());
        command.Parameters.AddWithValue("hash", Hash(key));
        command.Parameters.AddWithValue("at", time.GetUtcNow());
        await command.ExecuteNonQueryAsync(ct);
        return new IssuedApiKey(id, name, organisation, roles, key);
    }

    public async Task<bool> RevokeAsync(Guid id, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand($"UPDATE {Schema}.api_keys SET revoked_at = @at WHERE id = @id AND revoked_at IS NULL");
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("at", time.GetUtcNow());
        var revoked = await command.ExecuteNonQueryAsync(ct) == 1;
        _cache.Clear(); // a revoked key stops working on this replica at once, on others within CacheFor
        return revoked;
    }

    public async Task<IReadOnlyList<ApiKeyIdentity>> ListAsync(CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand($"SELECT id, name, organisation, roles FROM {Schema}.api_keys WHERE revoked_at IS NULL ORDER BY created_at");
        await using var reader = await command.ExecuteReaderAsync(ct);
        var keys = new List<ApiKeyIdentity>();
        while (await reader.ReadAsync(ct))
            keys.Add(new ApiKeyIdentity(reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.GetFieldValue<string[]>(3)));
        return keys;
    }

    public async Task<ApiKeyIdentity?> FindAsync(string presentedKey, CancellationToken ct)
    {
        var hash = Hash(presentedKey);
        var bootstrap = options.Value.BootstrapAdminKey;
        if (!string.IsNullOrEmpty(bootstrap) && CryptographicOperations.FixedTimeEquals(hash, Hash(bootstrap)))
            return new ApiKeyIdentity(BootstrapKeyId, "bootstrap-admin", "operators", [Roles.Admin]);
        var service = options.Value.ServiceKey;
        if (!string.IsNullOrEmpty(service) && CryptographicOperations.FixedTimeEquals(hash, Hash(service)))
            return new ApiKeyIdentity(ServiceKeyId, "takedown-services", "takedown", [Roles.Service]);

        var cacheKey = Convert.ToHexString(hash);
        var now = time.GetUtcNow();
        if (_cache.TryGetValue(cacheKey, out var cached) && cached.Until > now)
            return cached.Identity;

        await using var command = dataSource.CreateCommand($"SELECT id, name, organisation, roles FROM {Schema}.api_keys WHERE key_hash = @hash AND revoked_at IS NULL");
        command.Parameters.AddWithValue("hash", hash);
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
            return null;
        var identity = new ApiKeyIdentity(reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.GetFieldValue<string[]>(3));
        Remember(cacheKey, identity, now);
        return identity;
    }

    private void Remember(string cacheKey, ApiKeyIdentity identity, DateTimeOffset now)
    {
        if (_cache.Count >= MaxCachedKeys)
        {
            foreach (var (key, entry) in _cache)
                if (entry.Until <= now)
                    _cache.TryRemove(key, out _);
            if (_cache.Count >= MaxCachedKeys)
                _cache.Clear(); // all still fresh: start over rather than grow; each key costs one lookup to return
        }
        _cache[cacheKey] = (identity, now + CacheFor);
    }

    private static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
