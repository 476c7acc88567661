namespace Takedown.Cli.Tests;

public sealed class SearchCommandTests : IDisposable
{
    private const string Pdq = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22";
    private static readonly Guid Found = Guid.Parse("5d0c3a86-8a3e-4c55-9f07-2f0b7c1e6a10");
    private static readonly Guid Near = Guid.Parse("c1f4e0aa-51b2-4f0e-8d4c-3b9d8a7e2f44");

    private readonly FakeApi reporting = new();
    private readonly string directory = Directory.CreateTempSubdirectory("takedown-search-").FullName;

    public void Dispose()
    {
        reporting.Dispose();
        Directory.Delete(directory, recursive: true);
    }

    private Task<CliResult> RunAsync(params string[] args) =>
        Cli.RunAsync(["search", .. args, "--reporting-url", reporting.BaseUrl, "--api-key", "analyst-key"]);

    private static CannedResponse Page(string items, int total) => new(200, $$"""
        {"items":[{{items}}],"page":1,"pageSize":20,"total":{{total}},"backend":"postgresql"}
        """);

    private static readonly string Hit = $$"""
        {"contentId":"{{Found}}","version":2,"url":"https://t.me/c/1","canonicalUrl":"https://t.me/c/1","platform":"telegram","account":null,
         "status":"open","category":"terrorist-propaganda","severity":"P1","regime":null,"dueAt":null,"breached":false,
         "firstReportedAt":"2026-11-20T10:00:00+00:00","removedAt":null,"timeToRemovalHours":null,"views":13000,"reuploadOf":[],
         "text":"إصدار جديد لمؤسسة الفرقان","highlights":["<em>إصدار</em> جديد لمؤسسة &lt;الفرقان&gt;"],"score":0.0607,"caseUrl":"/api/v1/cases/{{Found}}"}
        """;

    [Fact]
    public async Task The_words_and_filters_go_as_query_parameters_and_each_hit_is_a_row()
    {
        reporting.Respond("GET", "/api/v1/search", Page(Hit, 1));

        var result = await RunAsync("إصدار", "الفرقان", "--platform", "telegram", "--status", "open", "--organisation", "tech-for-peace",
            "--from", "2026-11-01", "--to", "2026-11-30", "--overdue", "--reupload", "false", "--page", "2", "--page-size", "10");

        Assert.Equal(0, result.ExitCode);
        var request = Assert.Single(reporting.Requests);
        Assert.Equal("analyst-key", request.ApiKey);
        Assert.Equal(
            "?q=" + Uri.EscapeDataString("إصدار الفرقان") + "&platform=telegram&status=open&organisation=tech-for-peace&from=2026-11-01&to=2026-11-30"
            + "&overdue=true&reupload=false&page=2&pageSize=10",
            request.Query);
        Assert.Equal(
            [["content", "status", "platform", "category", "severity", "reported (UTC)", "match"],
             [Found.ToString(), "open", "telegram", "terrorist-propaganda", "P1", "2026-11-20T10:00:00Z", "إصدار جديد لمؤسسة <الفرقان>"]],
            result.TableRows);
        Assert.Equal("page 1 of 1, 1 found (postgresql)", result.OutLines[^1]);
    }

    [Fact]
    public async Task Json_prints_the_answer_as_received_and_no_words_lists_the_newest()
    {
        var body = Page(Hit, 1);
        reporting.Respond("GET", "/api/v1/search", body);

        var result = await RunAsync("--json");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("", Assert.Single(reporting.Requests).Query);
        Assert.Equal(body.Body.Trim(), result.Out.Trim());
    }

    [Fact]
    public async Task Nothing_found_says_so()
    {
        reporting.Respond("GET", "/api/v1/search", Page("", 0));

        var result = await RunAsync("nothing-like-this");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(["nothing found"], result.OutLines);
    }

    [Fact]
    public async Task A_bad_filter_is_the_services_problem_naming_the_field()
    {
        reporting.Respond("GET", "/api/v1/search", new CannedResponse(400,
            """{"title":"One or more validation errors occurred.","status":400,"errors":{"status":["One of: pending, open, removed, rejected, closed."]}}""",
            "application/problem+json"));

        var result = await RunAsync("--status", "lost");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("status: One of: pending, open, removed, rejected, closed.", result.Error);
    }

    [Fact]
    public async Task Similar_sends_hashes_an_image_and_text_in_one_request_and_prints_each_neighbour()
    {
        var bytes = new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 1, 2 };
        var path = Path.Combine(directory, "frame.png");
        await File.WriteAllBytesAsync(path, bytes);
        reporting.Respond("POST", "/api/v1/search/similar", new CannedResponse(200, $$"""
            {"items":[
              {"contentId":"{{Found}}","signal":"pdq","query":"{{Pdq}}","matched":"{{Pdq}}","distance":0,"similarity":null,"caseUrl":"/api/v1/cases/{{Found}}","status":"removed","platform":"telegram"},
              {"contentId":"{{Near}}","signal":"text-minhash","query":"text","matched":null,"distance":null,"similarity":0.81,"caseUrl":"/api/v1/cases/{{Near}}","status":"open","platform":"x"}],
             "backend":"postgresql","imageHash":"pdq:{{Pdq}}"}
            """));

        var result = await RunAsync("similar", "--hash", $"pdq:{Pdq}", "--image", path, "--text", "بيان", "--max-distance", "20", "--limit", "5");

        Assert.Equal(0, result.ExitCode);
        var json = Assert.Single(reporting.Requests).Json;
        Assert.Equal([$"pdq:{Pdq}"], json.GetProperty("pdq").EnumerateArray().Select(h => h.GetString()));
        Assert.Equal(("image/png", Convert.ToBase64String(bytes)), (json.GetProperty("image").GetProperty("contentType").GetString(), json.GetProperty("image").GetProperty("data").GetString()));
        Assert.Equal(("بيان", 20, 5), (json.GetProperty("text").GetString(), json.GetProperty("maxDistance").GetInt32(), json.GetProperty("limit").GetInt32()));
        Assert.Equal([$"pdq:{Pdq}"], result.ErrorLines);
        Assert.Equal(
            [["content", "signal", "distance", "status", "platform", "case"],
             [Found.ToString(), "pdq", "0", "removed", "telegram", $"/api/v1/cases/{Found}"],
             [Near.ToString(), "text-minhash", "similarity 0.81", "open", "x", $"/api/v1/cases/{Near}"]],
            result.TableRows);
    }

    [Fact]
    public async Task Similar_with_nothing_to_compare_is_a_usage_error_and_nothing_is_sent()
    {
        var result = await RunAsync("similar");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("give at least one of --hash, --image or --text", result.Error);
        Assert.Empty(reporting.Requests);
    }
}
