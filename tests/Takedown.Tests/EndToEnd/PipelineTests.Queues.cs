namespace Takedown.Tests.EndToEnd;

/// <summary>The queues the four services' production bus configuration declares (docs/event-store.md, Messaging).</summary>
public sealed partial class PipelineTests
{
    [Fact]
    public async Task Every_service_receive_queue_is_a_durable_quorum_queue()
    {
        var queues = await pipeline.VirtualHost.QueuesAsync();
        var byName = queues.ToDictionary(q => q.GetProperty("name").GetString()!);

        Assert.Subset(byName.Keys.ToHashSet(), ConsumerQueues.ToHashSet());
        // Every queue a consumer reads (and any _error queue already declared) survives a restart and a node's loss;
        // only each bus's own auto-deleted reply queue is temporary.
        foreach (var (name, queue) in byName.Where(q => !q.Value.GetProperty("auto_delete").GetBoolean()))
        {
            Assert.True(queue.GetProperty("durable").GetBoolean(), $"{name} is not durable");
            var type = queue.GetProperty("arguments").TryGetProperty("x-queue-type", out var declared) ? declared.GetString() : "classic";
            Assert.True(type == "quorum", $"{name} is a {type} queue");
        }
    }

    private static readonly string[] ConsumerQueues =
    [
        "classification-classify-content",
        "reupload-fingerprint-content",
        "reupload-bank-removed-content",
        "reporting-content-submitted",
        "reporting-content-classified",
        "reporting-classification-overridden",
        "reporting-content-fingerprinted",
        "reporting-reupload-detected",
    ];
}
