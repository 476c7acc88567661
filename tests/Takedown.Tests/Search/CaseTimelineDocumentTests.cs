extern alias reporting;

using JasperFx.Events;
using reporting::Takedown.Reporting.Cases;
using reporting::Takedown.Reporting.Search.Elasticsearch;

namespace Takedown.Tests.Search;

/// <summary>The timeline documents the dashboards read: each case's first acknowledgement and first answer carry their hours, once.</summary>
public sealed class CaseTimelineDocumentTests
{
    private static readonly Guid Id = Guid.Parse("0195a6f2-0000-7000-8000-0000000000d1");
    private static readonly DateTimeOffset T0 = new(2026, 11, 21, 9, 0, 0, TimeSpan.Zero);

    private static IEvent Stored<T>(T data, long version, string type) where T : notnull =>
        new Event<T>(data) { Version = version, Sequence = version, Timestamp = T0, EventTypeName = type };

    [Fact]
    public void The_first_answer_and_the_first_acknowledgement_carry_their_hours_from_the_first_notice_and_nothing_else_does()
    {
        IReadOnlyList<IEvent> events =
        [
            Stored(new ContentReported(Id, Guid.NewGuid(), 1, "https://x.example/1", "https://x.example/1", "x", "ngo-a", "DE", null, T0), 1, "content-reported"),
            Stored(new NoticeSent(Id, "trusted-flagger-portal", "t-1", T0.AddHours(1)), 2, "notice-sent"),
            Stored(new RemovalRejected(Id, "Does not violate", T0.AddHours(31)), 3, "removal-rejected"),            // first answer: 30 h
            Stored(new NoticeSent(Id, "personal-contact", "signal-1", T0.AddHours(40)), 4, "notice-sent"),
            Stored(new PlatformAcknowledged(Id, null, T0.AddHours(41)), 5, "platform-acknowledged"),               // first acknowledgement: 40 h
            Stored(new RemovalConfirmed(Id, "platform", T0.AddHours(43)), 6, "removal-confirmed"),                  // removal: 42 h
        ];

        var timeline = CaseSearchDocuments.Build(TakedownCase.StreamId(Id), events, _ => true, T0.AddDays(3)).Timeline;

        Assert.Equal(
            [
                ("content-reported", null, null, null, null),
                ("notice-sent", "trusted-flagger-portal", null, null, null),
                ("removal-rejected", null, null, 30.0, null),
                ("notice-sent", "personal-contact", null, null, null),
                ("platform-acknowledged", null, 40.0, null, null),
                ("removal-confirmed", null, null, null, 42.0),
            ],
            timeline.Select(d => (d.EventType, d.NoticeChannel, d.TimeToAcknowledgementHours, d.TimeToAnswerHours, d.TimeToRemovalHours)));
    }
}
