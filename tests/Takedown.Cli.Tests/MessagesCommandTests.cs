namespace Takedown.Cli.Tests;

public sealed class MessagesCommandTests : IDisposable
{
    private const string ListPath = "/api/v1/admin/messages/dead-letters";
    private const string RedrivePath = "/api/v1/admin/messages/dead-letters/redrive";

    private readonly FakeApi classification = new();

    public void Dispose() => classification.Dispose();

    [Fact]
    public async Task Dead_letters_shows_each_queue_with_its_count_and_messages()
    {
        classification.Respond("GET", ListPath, new CannedResponse(200, """
            {"total":1,"queues":[{"queue":"classification-classify-content","errorQueue":"classification-classify-content_error","count":1,
              "messages":[{"messageType":"urn:message:Takedown.Contracts:ClassifyContent","messageId":"0b6e1c7a-0000-0000-0000-000000000001",
                           "faultReason":"policy file unreadable","faultExceptionType":"System.IO.IOException","faultedAt":null}]}]}
            """));

        var result = await Cli.RunAsync(["messages", "dead-letters", "--service-url", classification.BaseUrl, "--api-key", "admin-key"]);

        Assert.Equal("", result.Error);
        Assert.Equal(0, result.ExitCode);
        var request = Assert.Single(classification.Requests);
        Assert.Equal(("GET", ListPath, "admin-key"), (request.Method, request.Path, request.ApiKey));
        Assert.Equal(
        [
            ["queue", "count", "message type", "message id", "fault"],
            ["classification-classify-content", "1", "", "", ""],
            ["", "", "urn:message:Takedown.Contracts:ClassifyContent", "0b6e1c7a-0000-0000-0000-000000000001", "policy file unreadable"],
        ], result.TableRows);
    }

    [Fact]
    public async Task Redrive_of_one_queue_names_it_and_reports_what_moved()
    {
        classification.Respond("POST", RedrivePath, new CannedResponse(200,
            """{"redriven":3,"queues":[{"queue":"classification-classify-content","redriven":3,"remaining":0}]}"""));

        var result = await Cli.RunAsync(["messages", "redrive", "--queue", "classification-classify-content", "--service-url", classification.BaseUrl, "--api-key", "admin-key"]);

        Assert.Equal("", result.Error);
        Assert.Equal(0, result.ExitCode);
        var request = Assert.Single(classification.Requests);
        Assert.Equal(("POST", RedrivePath, "admin-key"), (request.Method, request.Path, request.ApiKey));
        Assert.Equal("?queue=classification-classify-content", request.Query);
        Assert.Equal("classification-classify-content: 3 re-driven, 0 left in classification-classify-content_error", result.Out.Trim());
    }
}
