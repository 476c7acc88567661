extern alias reporting;

using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using reporting::Takedown.Reporting.Cases;
using reporting::Takedown.Reporting.Search;
using Takedown.Contracts;
using Takedown.Testing;

namespace Takedown.Tests.Cases;

/// <summary>The account a ContentSubmitted names reaches the case's events and its search document.</summary>
public sealed class CaseAccountTests(LifecycleFixture fixture) : IClassFixture<LifecycleFixture>
{
    [Fact]
    public async Task The_account_of_a_submitted_report_is_recorded_on_the_case_and_in_its_search_document()
    {
        var contentId = Guid.NewGuid();
        await fixture.Host.Services.GetRequiredService<IBus>().Publish(new ContentSubmitted
        {
            ContentId = contentId,
            ReportId = Guid.NewGuid(),
            ReportNumber = 1,
            Url = "https://t.me/s/SomeChannel/77",
            CanonicalUrl = "https://t.me/somechannel/77",
            Platform = "telegram",
            Account = "telegram:somechannel",
            ReporterOrganisation = "tech-for-peace",
            ReportedAt = DateTimeOffset.UtcNow,
        });

        var events = await Eventually.UntilAsync(
            () => fixture.Host.Store.ReadStreamAsync(TakedownCase.StreamId(contentId), CancellationToken.None),
            e => e.Count > 0, what: "the case's first event");
        var reported = Assert.IsType<ContentReported>(events[0].Data);
        Assert.Equal("telegram:somechannel", reported.Account);
        var searchable = await fixture.Host.Store.AggregateAsync(SearchableContent.Aggregate, TakedownCase.StreamId(contentId), CancellationToken.None);
        Assert.Equal("telegram:somechannel", searchable.State.ToDocument(searchable.Version, DateTimeOffset.UtcNow).Account);
    }
}
