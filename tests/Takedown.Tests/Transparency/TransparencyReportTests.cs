extern alias reporting;

using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using reporting::Takedown.Reporting.Statistics;
using reporting::Takedown.Reporting.Transparency;
using static Takedown.Tests.Transparency.TransparencyFixture;

namespace Takedown.Tests.Transparency;

/// <summary>
/// The report for March 2025 over the fixture's cases, every figure worked out by hand.
/// In the period (first reported 1–31 March): A, B, C (youtube) and D, E, F (telegram); G (February) and H (April) are not.
/// Outcomes: A, B, D, E removed (E before any notice), C refused, F open.
/// Time to removal from the first notice: A 10:00→12:00 = 2 h, B 5 Mar 12:00→13 Mar 12:00 = 192 h, D 13:00→13:30 = 0.5 h.
/// Nearest rank: p-th percentile of n sorted values is the ⌈p·n/100⌉-th.
/// Deadlines run from the first notice (or the removal order): A met (removed 3 Mar 12:00, due 4 Mar 10:00), B missed
/// (13 Mar 12:00 > 12 Mar 12:00), C missed (still up, due 17 Mar 10:00), D met (13:30 ≤ the order's 14:00), F missed (still up,
/// due 2 Apr 09:00, before the report is generated); E has none (gone before any notice).
/// Answers to the first notice (the first acknowledgement, "does not violate" or removal): A removal after 2 h, B refusal after 24 h
/// (not more than 24 h: answered in time), C acknowledgement after 1 h, D removal after 0.5 h, F none — silent past 24 h by
/// 1 April 00:00 (notified 26 March 09:00), not yet past 7 days. B and C answered "does not violate"; B was removed anyway, after
/// a second notice through a personal contact: the one escalation outside the platform's channel.
/// </summary>
[Collection(TransparencyCollection.Name)]
public sealed class TransparencyReportTests(TransparencyFixture fixture)
{
    private const string March = "/api/v1/reports/transparency?from=2025-03-01&to=2025-03-31";

    private static readonly DurationPercentiles None = new(0, null, null, null);

    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    private async Task<TransparencyReport> ReportAsync(string key, string query = "")
    {
        using var response = await fixture.Reporting.SendAsync(Get(March + query, key));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<TransparencyReport>(Web))!;
    }

    [Fact]
    public async Task Totals_match_the_hand_computed_figures()
    {
        var report = await ReportAsync(fixture.Analyst);

        Assert.Equal((new DateTimeOffset(2025, 3, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2025, 4, 1, 0, 0, 0, TimeSpan.Zero)), (report.From, report.To));
        Assert.Null(report.Organisation);
        Assert.Equal(new Figures(
                Cases: 6,
                Reports: 7,                 // A was reported twice
                Notified: 5,                // all but E
                NoticesSent: 6,             // B was notified twice
                Removed: 4, RemovedWithoutNotice: 1, Rejected: 1, Open: 1,
                RemovalRate: 0.6667,        // 4 / 6
                TimeToRemoval: new DurationPercentiles(3, 2, 192, 192),   // [0.5, 2, 192]: ranks ⌈1.5⌉=2, ⌈2.7⌉=3, ⌈2.97⌉=3
                Sla: new SlaFigures(WithDeadline: 5, Met: 2, Missed: 3, Pending: 0, ComplianceRate: 0.4),
                Reuploads: 1,               // D
                ViewsBeforeRemoval: new ViewFigures(3, 5340, 300),        // A 5,000 (the higher of its two), B 300, D 40; median rank ⌈1.5⌉=2
                Answers: new AnswerFigures(
                    Notified: 5,
                    TimeToAcknowledgement: new DurationPercentiles(1, 1, 1, 1),    // C
                    TimeToAnswer: new DurationPercentiles(4, 1, 24, 24),           // [0.5, 1, 2, 24]: ranks ⌈2⌉=2, ⌈3.6⌉=4, ⌈3.96⌉=4
                    UnansweredAfter24Hours: 1, UnansweredAfter7Days: 0, UnansweredAfter30Days: 0,   // F
                    AnsweredDoesNotViolate: 2, RemovedAfterDoesNotViolate: 1, RemovedAfterDoesNotViolateShare: 0.5,   // B and C; B
                    EscalatedOutsideChannel: 1)),                                  // B
            report.Totals);
    }

    [Fact]
    public async Task Per_platform_and_per_category_figures_match_the_hand_computed_ones()
    {
        var report = await ReportAsync(fixture.Analyst);

        Assert.Equal(
        [
            new PlatformFigures("telegram", new Figures(3, 3, 2, 2, 2, 1, 0, 1, 0.6667,
                new DurationPercentiles(1, 0.5, 0.5, 0.5), new SlaFigures(2, 1, 1, 0, 0.5), 1, new ViewFigures(1, 40, 40),
                new AnswerFigures(2, None, new DurationPercentiles(1, 0.5, 0.5, 0.5), 1, 0, 0, 0, 0, null, 0))),   // D answered, F silent
            new PlatformFigures("youtube", new Figures(3, 4, 3, 4, 2, 0, 1, 0, 0.6667,
                new DurationPercentiles(2, 2, 192, 192), new SlaFigures(3, 1, 2, 0, 0.3333), 0, new ViewFigures(2, 5300, 300),
                new AnswerFigures(3, new DurationPercentiles(1, 1, 1, 1), new DurationPercentiles(3, 2, 24, 24), 0, 0, 0, 2, 1, 0.5, 1))),   // [1, 2, 24]
        ], report.Platforms);

        // F's analyst override (hate speech) stands against the later automatic "abusive".
        Assert.Equal(["hate-speech", "incitement-threat-to-life", "terrorist-propaganda"], report.Categories.Select(c => c.Category));
        Assert.Equal(new Figures(3, 3, 3, 4, 1, 0, 1, 1, 0.3333,
            new DurationPercentiles(1, 192, 192, 192), new SlaFigures(3, 0, 3, 0, 0), 0, new ViewFigures(1, 300, 300),
            new AnswerFigures(3, new DurationPercentiles(1, 1, 1, 1), new DurationPercentiles(2, 1, 24, 24), 1, 0, 0, 2, 1, 0.5, 1)),   // B, C, F
            report.Categories[0].Figures);
        Assert.Equal(new Figures(1, 1, 0, 0, 1, 1, 0, 0, 1,
            new DurationPercentiles(0, null, null, null), new SlaFigures(0, 0, 0, 0, null), 0, new ViewFigures(0, 0, null),
            new AnswerFigures(0, None, None, 0, 0, 0, 0, 0, null, 0)), report.Categories[1].Figures);   // E: never notified
        Assert.Equal(new Figures(2, 3, 2, 2, 2, 0, 0, 0, 1,
            new DurationPercentiles(2, 0.5, 2, 2), new SlaFigures(2, 2, 0, 0, 1), 1, new ViewFigures(2, 5040, 40),
            new AnswerFigures(2, None, new DurationPercentiles(2, 0.5, 2, 2), 0, 0, 0, 0, 0, null, 0)), report.Categories[2].Figures);   // A, D

        Assert.Equal(
            ["telegram/hate-speech", "telegram/incitement-threat-to-life", "telegram/terrorist-propaganda", "youtube/hate-speech", "youtube/terrorist-propaganda"],
            report.PlatformCategories.Select(p => $"{p.Platform}/{p.Category}"));
        Assert.Equal(report.PlatformCategories.Sum(p => p.Figures.Cases), report.Totals.Cases);
    }

    [Fact]
    public async Task The_statistics_api_gives_the_reports_figures_per_platform_and_per_platform_and_category()
    {
        var report = await ReportAsync(fixture.Analyst);
        const string period = "from=2025-03-01T00:00:00Z&to=2025-04-01T00:00:00Z";

        using var perPlatform = await fixture.Reporting.SendAsync(Get($"/api/v1/statistics/platforms?{period}", fixture.Analyst));
        Assert.Equal(HttpStatusCode.OK, perPlatform.StatusCode);
        Assert.Equal(report.Platforms, await perPlatform.Content.ReadFromJsonAsync<List<PlatformFigures>>(Web));

        using var perCategory = await fixture.Reporting.SendAsync(Get($"/api/v1/statistics/platforms?{period}&by=category", fixture.Analyst));
        Assert.Equal(HttpStatusCode.OK, perCategory.StatusCode);
        Assert.Equal(report.PlatformCategories, await perCategory.Content.ReadFromJsonAsync<List<PlatformCategoryFigures>>(Web));
    }

    [Fact]
    public async Task The_removal_rate_over_time_has_one_point_per_day_of_first_report()
    {
        var series = (await ReportAsync(fixture.Analyst)).RemovalRateOverTime;

        Assert.Equal("day", series.Interval);
        Assert.Equal(31, series.Points.Count);
        Assert.Equal(
        [
            new RemovalRatePoint(new DateOnly(2025, 3, 3), 1, 1, 1),
            new RemovalRatePoint(new DateOnly(2025, 3, 5), 1, 1, 1),
            new RemovalRatePoint(new DateOnly(2025, 3, 10), 2, 1, 0.5),     // C refused, D removed
            new RemovalRatePoint(new DateOnly(2025, 3, 20), 1, 1, 1),
            new RemovalRatePoint(new DateOnly(2025, 3, 25), 1, 0, 0),
        ], series.Points.Where(p => p.Cases > 0));
        Assert.All(series.Points.Where(p => p.Cases == 0), p => Assert.Null(p.RemovalRate));
    }

    [Fact]
    public async Task A_reporter_gets_the_report_for_their_own_organisation_only()
    {
        // ngo-b reported A (with ngo-a), C and F: A removed, C refused, F open.
        var report = await ReportAsync(fixture.NgoBReporter, "&organisation=ngo-a");

        Assert.Equal("ngo-b", report.Organisation);
        Assert.Equal((3L, 1L, 1L, 1L, 0.3333), (report.Totals.Cases, report.Totals.Removed, report.Totals.Rejected, report.Totals.Open, report.Totals.RemovalRate));
    }

    [Fact]
    public async Task An_analyst_can_limit_the_report_to_one_organisation()
    {
        var report = await ReportAsync(fixture.Analyst, "&organisation=ngo-b");
        Assert.Equal(("ngo-b", 3L), (report.Organisation, report.Totals.Cases));
    }

    [Fact]
    public async Task The_csv_has_a_row_per_platform_and_category_then_totals()
    {
        using var response = await fixture.Reporting.SendAsync(Get(March + "&format=csv", fixture.Analyst));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType!.MediaType);
        var lines = (await response.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal(string.Join(',', TransparencyCsv.Header), lines[0]);
        Assert.Equal(1 + 5 + 2 + 3 + 1, lines.Length);   // header, platform × category, platforms, categories, total
        Assert.Equal("youtube,hate-speech,2,2,2,3,1,0,1,0,0.5,1,192,192,192,2,0,2,0,0,0,1,300,300,2,1,1,1,1,2,1,24,24,0,0,0,2,1,0.5,1", lines[4]);
        Assert.Equal("(all),(all),6,7,5,6,4,1,1,1,0.6667,3,2,192,192,5,2,3,0,0.4,1,3,5340,300,5,1,1,1,1,4,1,24,24,1,0,0,2,1,0.5,1", lines[^1]);
        // No time to removal, no deadline, no notice to answer: empty cells.
        Assert.Equal("telegram,incitement-threat-to-life,1,1,0,0,1,1,0,0,1,0,,,,0,0,0,0,,0,0,0,,0,0,,,,0,,,,0,0,0,0,0,,0", lines[2]);
    }

    [Fact]
    public void Csv_cells_with_commas_or_quotes_are_quoted_as_RFC_4180_says()
    {
        var report = new TransparencyReport(DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddDays(1), DateTimeOffset.UnixEpoch, null,
            TransparencyFigures.Of([], DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch), [], [],
            [new PlatformCategoryFigures("odd, \"platform\"", "x", TransparencyFigures.Of([], DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch))],
            new RemovalRateSeries("day", []));
        var row = TransparencyCsv.Write(report).Split("\r\n")[1];
        Assert.StartsWith("\"odd, \"\"platform\"\"\",x,0,", row);
    }

    [Theory]
    [InlineData("?to=2025-03-31", "from")]
    [InlineData("?from=2025-03-01", "to")]
    [InlineData("?from=yesterday&to=2025-03-31", "from")]
    [InlineData("?from=2025-03-31&to=2025-03-01", "to")]
    [InlineData("?from=2025-03-01&to=2025-03-31&format=pdf", "format")]
    public async Task Bad_parameters_are_problem_details_naming_the_field(string query, string field)
    {
        using var response = await fixture.Reporting.SendAsync(Get("/api/v1/reports/transparency" + query, fixture.Analyst));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.GetRawText());
    }

    [Fact]
    public async Task Without_a_key_the_report_is_refused()
    {
        using var response = await fixture.Reporting.SendAsync(Get(March, key: null));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task A_date_and_time_bound_is_exact()
    {
        // From 10 March 12:00 on: D, E, F (C came in at 09:00).
        using var response = await fixture.Reporting.SendAsync(Get("/api/v1/reports/transparency?from=2025-03-10T12:00:00Z&to=2025-04-01T00:00:00Z", fixture.Analyst));
        var later = (await response.Content.ReadFromJsonAsync<TransparencyReport>(Web))!;
        Assert.Equal((3L, "day"), (later.Totals.Cases, later.RemovalRateOverTime.Interval));
        Assert.Equal(new DateOnly(2025, 3, 10), later.RemovalRateOverTime.Points[0].Start);
    }
}
