extern alias reporting;

using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Takedown.ServiceDefaults.Telemetry;
using Takedown.Testing;
using Store = global::Takedown.EventStore.EventStore;

namespace Takedown.Tests.EndToEnd;

/// <summary>The Takedown meter and spans over one real report, read in process with MeterListener and ActivityListener.</summary>
public sealed partial class PipelineTests
{
    private sealed record Measured(string Instrument, double Value, Dictionary<string, object?> Tags);

    [Fact]
    public async Task One_report_counts_once_per_metric_even_when_its_message_is_redelivered()
    {
        var reporter = await pipeline.IssueKeyAsync(Organisation, "reporter");
        var liaison = await pipeline.IssueKeyAsync(Organisation, "liaison");
        var analyst = await pipeline.IssueKeyAsync("takedown-analysts", "analyst");

        // Other classes' pipelines run in this process too: only what happens inside this report's trace is counted.
        var traceId = ActivityTraceId.CreateRandom();
        var spans = new ConcurrentQueue<Activity>();
        using var activities = new ActivityListener
        {
            ShouldListenTo = source => source.Name is "MassTransit" or "Microsoft.AspNetCore" || source.Name.StartsWith("Takedown", StringComparison.Ordinal),
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity => { if (activity.TraceId == traceId) spans.Enqueue(activity); },
        };
        ActivitySource.AddActivityListener(activities);
        var inTrace = new ConcurrentQueue<Measured>();
        var statusGauge = new ConcurrentQueue<Measured>();
        var reportingMeters = pipeline.ReportingServices.GetRequiredService<IMeterFactory>();
        using var meters = new MeterListener
        {
            InstrumentPublished = (instrument, listener) => { if (instrument.Meter.Name == TakedownTelemetry.Name) listener.EnableMeasurementEvents(instrument); },
        };
        void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var measured = new Measured(instrument.Name, value, new Dictionary<string, object?>(tags.ToArray()));
            if (instrument.Name == TakedownTelemetry.CasesByStatus && instrument.Meter.Scope == reportingMeters)
                statusGauge.Enqueue(measured);
            else if (Activity.Current?.TraceId == traceId)
                inTrace.Enqueue(measured);
        }
        meters.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        meters.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
        meters.Start();

        var request = PipelineFixture.Request(HttpMethod.Post, "/api/v1/reports", reporter,
            new { url = UniqueUrl("metered"), platform = "facebook", text = "metered report " + Guid.NewGuid(), reporterReference = "metrics-1" });
        request.Headers.Add("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01");
        using (var response = await pipeline.Ingest.SendAsync(request))
        {
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            var contentId = (await response.Content.ReadFromJsonAsync<ReportAcceptedResponse>())!.ContentId;
            await CaseWhenAsync(analyst, contentId, Complete, "the metered case");

            // The broker delivers ContentSubmitted again (same MessageId, as after a lost ack): every inbox drops it.
            string[] consumers = ["classification-classify-content", "reupload-fingerprint-content", "reporting-content-submitted"];
            await RedeliverContentSubmittedAsync(contentId, traceId);
            await Eventually.UntilAsync(() => Task.FromResult(consumers.Count(c => spans.Any(s => Tag(s, "takedown.consumer") == c && Tag(s, TakedownTelemetry.OutcomeTag) == "duplicate"))),
                n => n == consumers.Length, what: "every ContentSubmitted consumer dropping the redelivery");

            // Time to removal runs from the first notice: without one, a removal has none to measure.
            var notice = PipelineFixture.Request(HttpMethod.Post, $"/api/v1/cases/{contentId}/notices", liaison, new { channel = "email", reference = "metrics-notice" });
            notice.Headers.Add("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01");
            using (var noticed = await pipeline.Reporting.SendAsync(notice))
                Assert.Equal(HttpStatusCode.OK, noticed.StatusCode);
            var removal = PipelineFixture.Request(HttpMethod.Post, $"/api/v1/cases/{contentId}/platform-response", liaison, new { outcome = "removed" });
            removal.Headers.Add("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01");
            using (var removed = await pipeline.Reporting.SendAsync(removal))
                Assert.Equal(HttpStatusCode.OK, removed.StatusCode);

            Assert.Equal(1, Sum("takedown.reports.accepted"));
            Assert.Equal("facebook", inTrace.Single(m => m.Instrument == "takedown.reports.accepted").Tags["platform"]);
            Assert.Equal(1, Sum("takedown.content.classified"));
            var timeToRemoval = inTrace.Single(m => m.Instrument == "takedown.case.time_to_removal");
            Assert.InRange(timeToRemoval.Value, 0, 3600);
            Assert.Equal(("facebook", "platform"), (timeToRemoval.Tags["platform"], timeToRemoval.Tags["source"]));
            Assert.Contains(inTrace, m => m.Instrument == "takedown.match.duration" && m.Value > 0);

            // The spans an operator follows, tagged with the content and the decision.
            var accept = spans.Single(s => s.OperationName == "report accept");
            Assert.Equal((contentId.ToString(), "accepted"), (Tag(accept, TakedownTelemetry.ContentIdTag), Tag(accept, TakedownTelemetry.OutcomeTag)));
            var classify = spans.Single(s => s.OperationName == "classify content");
            Assert.Equal(("classified", contentId.ToString()), (Tag(classify, TakedownTelemetry.OutcomeTag), Tag(classify, TakedownTelemetry.ContentIdTag)));
            Assert.NotNull(Tag(classify, "takedown.category"));
            Assert.Contains(spans, s => s.OperationName == "bank match");
            Assert.All(consumers, c => Assert.Single(spans, s => Tag(s, "takedown.consumer") == c && Tag(s, TakedownTelemetry.OutcomeTag) == "handled"));
            Assert.DoesNotContain(spans, s => s.Source.Name == TakedownTelemetry.Name && s.Tags.Any(t => t.Value?.Contains("metered report", StringComparison.Ordinal) == true));
        }

        // The gauge reads the case list: per status, the same number the list reports (removed at least this case).
        string[] statuses = ["pending", "open", "rejected", "removed", "closed"];
        var agreed = await Eventually.UntilAsync(async () =>
        {
            statusGauge.Clear();
            meters.RecordObservableInstruments();
            var gauge = statusGauge.ToDictionary(m => (string)m.Tags["status"]!, m => (long)m.Value);
            var listed = new Dictionary<string, long>();
            foreach (var status in statuses)
            {
                using var page = await pipeline.Reporting.SendAsync(PipelineFixture.Request(HttpMethod.Get, $"/api/v1/cases?status={status}&pageSize=1", analyst));
                listed[status] = (await page.Content.ReadFromJsonAsync<CasePageView>())!.Total;
            }
            return (gauge, listed);
        }, r => r.gauge.Count == statuses.Length && statuses.All(s => r.gauge[s] == r.listed[s]) && r.listed["removed"] >= 1, what: "the cases-by-status gauge agreeing with the case list");
        Assert.Equal(agreed.listed, agreed.gauge);

        double Sum(string instrument) => inTrace.Where(m => m.Instrument == instrument).Sum(m => m.Value);
    }

    // The event store's JSON (docs/event-store.md): web defaults, enums as names.
    private static readonly JsonSerializerOptions OutboxJson = new(JsonSerializerDefaults.Web) { Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() } };

    private static string? Tag(Activity span, string key) => span.GetTagItem(key)?.ToString();

    /// <summary>Publishes the outbox's ContentSubmitted for <paramref name="contentId"/> again, with its MessageId, inside the report's trace.</summary>
    private async Task RedeliverContentSubmittedAsync(Guid contentId, ActivityTraceId traceId)
    {
        var store = pipeline.IngestServices.GetRequiredService<Store>();
        await using var query = store.DataSource.CreateCommand(
            $"SELECT message_id, body::text, correlation_id FROM {store.Schema}.outbox WHERE message_type = 'content-submitted' AND body->>'contentId' = $1");
        query.Parameters.Add(new Npgsql.NpgsqlParameter { Value = contentId.ToString() });
        await using var reader = await query.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        var (messageId, body, correlationId) = (reader.GetGuid(0), reader.GetString(1), reader.GetGuid(2));
        var message = JsonSerializer.Deserialize<global::Takedown.Contracts.ContentSubmitted>(body, OutboxJson)!;

        using var redelivery = new Activity("redeliver").SetParentId(traceId, ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded).Start();
        await pipeline.IngestServices.GetRequiredService<IBus>().Publish(message, context =>
        {
            context.MessageId = messageId;
            context.CorrelationId = correlationId;
        });
    }
}
