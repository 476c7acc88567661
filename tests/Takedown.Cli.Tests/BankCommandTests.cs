namespace Takedown.Cli.Tests;

public sealed class BankCommandTests : IDisposable
{
    private const string ImportPath = "/api/v1/banks/gifct-2025/hashes:import";
    private const string Md5 = "098f6bcd4621d373cade4e832627b4f6";
    private const string Sha = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    private readonly FakeApi reupload = new();
    private readonly string directory = Directory.CreateTempSubdirectory("takedown-bank-").FullName;

    public void Dispose()
    {
        reupload.Dispose();
        Directory.Delete(directory, recursive: true);
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(directory, name);
        File.WriteAllText(path, text);
        return path;
    }

    private static CannedResponse Summary(long accepted, long duplicates, long lastRow, params (long Row, string Error)[] rejected) => new(200,
        $$"""
        {"bank":"gifct-2025","accepted":{{accepted}},"duplicates":{{duplicates}},
         "rejected":[{{string.Join(",", rejected.Select(r => $$"""{"row":{{r.Row}},"error":"{{r.Error}}"}"""))}}],
         "rejectedTotal":{{rejected.Length}},"lastRow":{{lastRow}}}
        """);

    private Task<CliResult> ImportAsync(string path, params string[] extra) => Cli.RunAsync(
        ["bank", "import", path, "--bank", "gifct-2025", "--reupload-url", reupload.BaseUrl, "--api-key", "analyst-key", .. extra]);

    private const string FiveRows = $"""
        signal,hash,label,source
        media-md5,{Md5},a,gifct
        media-md5,nope,b,gifct
        media-sha256,{Sha},c,gifct

        pdq,zz,d,gifct

        """;

    [Fact]
    public async Task A_csv_file_goes_in_pieces_that_each_carry_the_header_and_their_first_line_and_bad_rows_are_listed()
    {
        var path = Write("list.csv", FiveRows.ReplaceLineEndings("\n"));
        reupload.Respond("POST", ImportPath,
            Summary(1, 0, 3, (3, "a media-md5 hash is 32 hexadecimal digits.")),
            Summary(1, 0, 5),
            Summary(0, 0, 6, (6, "a pdq hash is 64 hexadecimal digits.")));

        var result = await ImportAsync(path, "--chunk-rows", "2");

        Assert.Equal(2, result.ExitCode);
        Assert.Equal(
            [
                ("?firstRow=2", $"signal,hash,label,source\nmedia-md5,{Md5},a,gifct\nmedia-md5,nope,b,gifct\n"),
                ("?firstRow=4", $"signal,hash,label,source\nmedia-sha256,{Sha},c,gifct\n\n"),
                ("?firstRow=6", "signal,hash,label,source\npdq,zz,d,gifct\n"),
            ],
            reupload.Requests.Select(r => (r.Query, r.Body)));
        Assert.All(reupload.Requests, r => Assert.Equal(("analyst-key", "text/csv; charset=utf-8"), (r.ApiKey, r.ContentType)));
        Assert.Equal(
            [
                "row 3: a media-md5 hash is 32 hexadecimal digits.",
                "row 6: a pdq hash is 64 hexadecimal digits.",
                "bank gifct-2025: 2 accepted, 0 duplicates (already in the bank), 2 rejected; last row 6",
            ],
            result.OutLines);
        Assert.StartsWith("rows 2-3: 1 accepted, 0 duplicates, 1 rejected (", result.ErrorLines[0]);
        Assert.Equal(3, result.ErrorLines.Length);
    }

    [Fact]
    public async Task Json_lines_are_recognised_by_the_file_name_and_a_clean_import_exits_0()
    {
        var path = Write("list.jsonl", $$"""{"signal":"media-md5","hash":"{{Md5}}"}""" + "\n" + $$"""{"signal":"media-sha256","hash":"{{Sha}}"}""" + "\n");
        reupload.Respond("POST", ImportPath, Summary(1, 1, 2));

        var result = await ImportAsync(path);

        Assert.Equal(0, result.ExitCode);
        var request = Assert.Single(reupload.Requests);
        Assert.Equal(("?firstRow=1", "application/x-ndjson; charset=utf-8"), (request.Query, request.ContentType));
        Assert.Equal(["bank gifct-2025: 1 accepted, 1 duplicates (already in the bank), 0 rejected; last row 2"], result.OutLines);
    }

    [Fact]
    public async Task Resume_from_skips_the_lines_before_it_and_keeps_their_numbering()
    {
        var path = Write("list.csv", FiveRows.ReplaceLineEndings("\n"));
        reupload.Respond("POST", ImportPath, Summary(1, 0, 6, (6, "a pdq hash is 64 hexadecimal digits.")));

        var result = await ImportAsync(path, "--resume-from", "4", "--json");

        var request = Assert.Single(reupload.Requests);
        Assert.Equal(("?firstRow=4", $"signal,hash,label,source\nmedia-sha256,{Sha},c,gifct\n\npdq,zz,d,gifct\n"), (request.Query, request.Body));
        Assert.Equal(2, result.ExitCode);
        Assert.Equal(
            """{"bank":"gifct-2025","accepted":1,"duplicates":0,"rejected":[{"row":6,"error":"a pdq hash is 64 hexadecimal digits."}],"rejectedTotal":1,"lastRow":6}""",
            Assert.Single(result.OutLines));
    }

    [Fact]
    public async Task A_failed_piece_stops_the_import_and_says_where_to_resume()
    {
        var path = Write("list.csv", FiveRows.ReplaceLineEndings("\n"));
        reupload.Respond("POST", ImportPath,
            Summary(2, 0, 3),
            new CannedResponse(503, """{"title":"Service Unavailable","status":503,"detail":"PostgreSQL is down."}""", "application/problem+json"));

        var result = await ImportAsync(path, "--chunk-rows", "2");

        Assert.Equal(3, result.ExitCode);
        Assert.Equal(2, reupload.Requests.Count);
        Assert.Contains("import stopped at row 4: 2 accepted so far; resume with --resume-from 4", result.ErrorLines);
        Assert.Contains("error: 503 Service Unavailable: PostgreSQL is down.", result.ErrorLines);
        Assert.Empty(result.OutLines);
    }

    [Fact]
    public async Task Without_a_key_or_a_known_format_nothing_is_sent()
    {
        var path = Write("list.txt", "signal,hash\n");

        var noKey = await Cli.RunAsync(["bank", "import", path, "--bank", "gifct-2025", "--reupload-url", reupload.BaseUrl]);
        var unknownFormat = await ImportAsync(path);
        var missing = await ImportAsync(Path.Combine(directory, "absent.csv"));

        Assert.Equal((2, 2, 2), (noKey.ExitCode, unknownFormat.ExitCode, missing.ExitCode));
        Assert.Equal(["error: importing needs an analyst or admin API key: pass --api-key or set TAKEDOWN_API_KEY."], noKey.ErrorLines);
        Assert.Equal([$"error: cannot tell the format of '{path}' from its name; pass --format csv or --format ndjson."], unknownFormat.ErrorLines);
        Assert.StartsWith("error: cannot read '", Assert.Single(missing.ErrorLines));
        Assert.Empty(reupload.Requests);
    }
}
