using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Takedown.ServiceDefaults.Auth;
using Takedown.Testing;
using Takedown.Tests.Cases;

namespace Takedown.Tests.Http;

public sealed class ApiKeyStoreTests : IAsyncLifetime
{
    private TestDatabase _db = null!;
    private readonly ManualTimeProvider _time = new(DateTimeOffset.UtcNow);

    public async Task InitializeAsync()
    {
        _db = await TestDatabase.CreateAsync();
        await NewKeys().MigrateAsync(CancellationToken.None);
    }

    public async Task DisposeAsync() => await _db.DisposeAsync();

    private ApiKeys NewKeys(int maxCachedKeys = 10_000) =>
        new(_db.DataSource, Options.Create(new AuthOptions { BootstrapAdminKey = "bootstrap" }), _time) { MaxCachedKeys = maxCachedKeys };

    [Fact]
    public async Task Only_the_SHA256_of_an_issued_key_is_stored()
    {
        var issued = await NewKeys().IssueAsync("desk", "tech-for-peace", [Roles.Reporter], CancellationToken.None);

        await using var command = _db.DataSource.CreateCommand("SELECT key_hash, t::text FROM auth.api_keys t WHERE id = @id");
        command.Parameters.AddWithValue("id", issued.Id);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal(SHA256.HashData(Encoding.UTF8.GetBytes(issued.Key)), reader.GetFieldValue<byte[]>(0));
        var row = reader.GetString(1);
        Assert.DoesNotContain(issued.Key, row);
        Assert.DoesNotContain(issued.Key["tdk_".Length..], row);
    }

    [Fact]
    public async Task Unknown_keys_are_not_cached_however_many_are_tried()
    {
        var keys = NewKeys();
        var issued = await keys.IssueAsync("desk", "tech-for-peace", [Roles.Reporter], CancellationToken.None);

        for (var i = 0; i < 10_000; i++)
            Assert.Null(await keys.FindAsync("tdk_" + Convert.ToHexString(RandomNumberGenerator.GetBytes(16)), CancellationToken.None));
        Assert.Equal(0, keys.CachedKeys);

        Assert.Equal(issued.Id, (await keys.FindAsync(issued.Key, CancellationToken.None))?.Id);
        Assert.Equal(1, keys.CachedKeys);
    }

    [Fact]
    public async Task The_cache_never_grows_past_its_limit_and_drops_expired_keys_first()
    {
        var keys = NewKeys(maxCachedKeys: 3);
        var issued = new List<IssuedApiKey>();
        for (var i = 0; i < 5; i++)
            issued.Add(await keys.IssueAsync($"desk-{i}", "tech-for-peace", [Roles.Reporter], CancellationToken.None));

        foreach (var key in issued.Take(2))
            await keys.FindAsync(key.Key, CancellationToken.None);
        _time.Advance(TimeSpan.FromSeconds(31));
        foreach (var key in issued.Skip(2))
            Assert.NotNull(await keys.FindAsync(key.Key, CancellationToken.None));
        // The two expired entries made room for the third fresh one.
        Assert.Equal(3, keys.CachedKeys);

        foreach (var key in issued)
        {
            Assert.NotNull(await keys.FindAsync(key.Key, CancellationToken.None));
            Assert.InRange(keys.CachedKeys, 1, 3);
        }
    }

    [Fact]
    public async Task A_revoked_key_stops_working_at_once_even_when_cached()
    {
        var keys = NewKeys();
        var issued = await keys.IssueAsync("desk", "tech-for-peace", [Roles.Reporter], CancellationToken.None);
        Assert.NotNull(await keys.FindAsync(issued.Key, CancellationToken.None));

        Assert.True(await keys.RevokeAsync(issued.Id, CancellationToken.None));
        Assert.Null(await keys.FindAsync(issued.Key, CancellationToken.None));
        Assert.Equal(0, keys.CachedKeys);
    }
}
