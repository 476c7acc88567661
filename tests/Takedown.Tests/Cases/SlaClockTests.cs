extern alias reporting;

using reporting::Takedown.Reporting.Cases;
using Takedown.Testing;

namespace Takedown.Tests.Cases;

/// <summary>
/// The SLA clock against real hosts, PostgreSQL and RabbitMQ: a deadline that passes while Reporting is down is
/// recorded when it starts again, and replicas running together record each breach once.
/// </summary>
public sealed class SlaClockTests : IAsyncLifetime
{
    private const string BreachQueue = "test-sla-breached";
    private TestDatabase _db = null!;
    private TestVirtualHost _vhost = null!;

    public async Task InitializeAsync()
    {
        _db = await TestDatabase.CreateAsync();
        _vhost = await TestVirtualHost.CreateAsync();
        await _vhost.BindQueueAsync(BreachQueue, "Takedown.Contracts:SlaBreached");
    }

    public async Task DisposeAsync()
    {
        await _vhost.DisposeAsync();
        await _db.DisposeAsync();
    }

    [Fact]
    public async Task A_deadline_that_passes_while_reporting_is_down_is_breached_once_when_it_starts_again()
    {
        var time = new ManualTimeProvider(ManualTimeProvider.WholeSecond(DateTimeOffset.UtcNow));
        var noticeAt = time.GetUtcNow().AddMinutes(-5);
        var due = noticeAt.AddHours(1);
        Guid contentId;
        await using (var before = await ReportingHost.StartAsync(_db, _vhost, time))
        {
            contentId = await Seed.CaseAsync(before, time.GetUtcNow(), TimeSpan.FromHours(1), noticeAt);
            Assert.Equal(due, (await before.SummaryAsync(contentId))?.DueAt);   // in the case list, where the clock looks
            await Task.Delay(1000);   // five passes of the clock: nothing is due yet
            Assert.Equal(0, await BreachEventsAsync(contentId));
        }

        time.Advance(TimeSpan.FromHours(2));   // the deadline passes while no Reporting runs
        Assert.Equal(0, await BreachEventsAsync(contentId));

        await using (var after = await ReportingHost.StartAsync(_db, _vhost, time))
        {
            await Eventually.UntilAsync(() => BreachEventsAsync(contentId), n => n == 1, what: "the breach recorded at start-up");
            await Eventually.UntilAsync(() => _vhost.MessagesInQueueAsync(BreachQueue), n => n >= 1, what: "SlaBreached on the broker");
            await Task.Delay(1500);   // several more passes
            Assert.Equal(1, await BreachEventsAsync(contentId));
            Assert.Equal((1L, 1L), await BreachMessagesAsync());

            var breach = Assert.IsType<SlaBreached>((await after.Store.ReadStreamAsync(TakedownCase.StreamId(contentId), CancellationToken.None))[^1].Data);
            Assert.Equal(new SlaBreached(contentId, "de-netzdg-manifestly-unlawful", due, time.GetUtcNow()), breach);
        }
        Assert.Equal(1, await _vhost.MessagesInQueueAsync(BreachQueue));
    }

    [Fact]
    public async Task Two_replicas_record_each_breach_once()
    {
        var time = new ManualTimeProvider(ManualTimeProvider.WholeSecond(DateTimeOffset.UtcNow));
        await using var first = await ReportingHost.StartAsync(_db, _vhost, time);
        await using var second = await ReportingHost.StartAsync(_db, _vhost, time);
        var noticeAt = time.GetUtcNow().AddMinutes(-1);
        var cases = new List<Guid>();
        for (var i = 0; i < 10; i++)
            cases.Add(await Seed.CaseAsync(i % 2 == 0 ? first : second, time.GetUtcNow(), TimeSpan.FromHours(1), noticeAt));
        foreach (var contentId in cases)
            Assert.NotNull((await first.SummaryAsync(contentId))?.DueAt);   // in the case list, where the clocks look

        time.Advance(TimeSpan.FromHours(1));   // every deadline passes at once, under both clocks

        foreach (var contentId in cases)
            await Eventually.UntilAsync(() => BreachEventsAsync(contentId), n => n >= 1, what: "each case's breach");
        await Task.Delay(1500);
        foreach (var contentId in cases)
            Assert.Equal(1, await BreachEventsAsync(contentId));
        Assert.Equal((10L, 10L), await Eventually.UntilAsync(BreachMessagesAsync, m => m.Sent == 10, what: "ten messages relayed"));
        Assert.Equal(10, await Eventually.UntilAsync(() => _vhost.MessagesInQueueAsync(BreachQueue), n => n == 10, what: "ten SlaBreached on the broker"));
    }

    private async Task<long> BreachEventsAsync(Guid contentId)
    {
        await using var command = _db.DataSource.CreateCommand("SELECT count(*) FROM reporting.mt_events WHERE stream_id = @s AND type = 'sla-breached'");
        command.Parameters.AddWithValue("s", TakedownCase.StreamId(contentId));
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>SlaBreached messages in the outbox: staged, and relayed to the broker.</summary>
    private async Task<(long Staged, long Sent)> BreachMessagesAsync()
    {
        await using var command = _db.DataSource.CreateCommand(
            "SELECT count(*), count(sent_at) FROM reporting.outbox WHERE message_type = 'sla-breached'");
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetInt64(0), reader.GetInt64(1));
    }
}
