using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Takedown.Fingerprints.Urls;
using Takedown.Tests.Http;
using static Takedown.Tests.Http.EndpointAuthorizationTests;

namespace Takedown.Tests.Reports;

/// <summary>What a reported URL's host may be: the liveness probe's address rules, applied to the host as written.</summary>
public sealed class IntakeAddressRuleTests
{
    [Theory]
    [InlineData("http://169.254.169.254/latest/meta-data/")]
    [InlineData("http://127.0.0.1:5101/api/v1/cases")]
    [InlineData("http://0x7f000001/")]
    [InlineData("http://2130706433/")]
    [InlineData("http://0177.0.0.1/")]
    [InlineData("http://127.1/")]
    [InlineData("http://[::ffff:169.254.169.254]/")]
    [InlineData("http://[::ffff:a9fe:a9fe]/")]
    [InlineData("http://[::1]:8080/")]
    [InlineData("http://[fd00:ec2::254]/")]
    [InlineData("http://10.0.0.7/admin")]
    [InlineData("http://192.168.1.1/")]
    [InlineData("http://localhost/")]
    [InlineData("http://LOCALHOST./")]
    [InlineData("http://api.localhost/")]
    [InlineData("http://metadata.google.internal/computeMetadata/v1/")]
    [InlineData("http://printer.local/")]
    [InlineData("http://postgres:5432/")]               // a neighbour on the deployment's network
    public void A_non_public_host_is_refused_in_every_notation(string url) => Assert.NotNull(AddressPolicy.IntakeFault(new Uri(url)));

    [Theory]
    [InlineData("https://x.com/someone/status/1")]
    [InlineData("https://t.me/channel/5")]
    [InlineData("http://8.8.8.8/page")]
    [InlineData("http://[2606:4700:4700::1111]/")]
    [InlineData("https://مثال.إختبار/صفحة")]
    [InlineData("https://localhost.example.org/")]      // only the name localhost and its subdomains are local
    public void A_public_host_is_accepted(string url) => Assert.Null(AddressPolicy.IntakeFault(new Uri(url)));
}

/// <summary>Ingest refuses reports of non-public addresses, singly and in an import, before anything is stored.</summary>
public sealed class IntakeAddressTests(KestrelIngestFixture fixture) : IClassFixture<KestrelIngestFixture>
{
    [Theory]
    [InlineData("http://169.254.169.254/latest/meta-data/")]
    [InlineData("http://0x7f000001/")]
    [InlineData("http://[::ffff:169.254.169.254]/")]
    [InlineData("http://localhost:5101/api")]
    public async Task A_report_of_a_non_public_address_is_400_naming_the_url(string url)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/reports")
        {
            Content = JsonContent.Create(new { url, text = "t", reporterReference = "R-1" }),
        };
        request.Headers.Add("X-Api-Key", IngestOnKestrel.AdminKey);
        using var response = await fixture.Ingest.Client.SendAsync(request);

        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Contains("public host", problem.GetProperty("errors").GetProperty("url")[0].GetString());
    }

    [Fact]
    public async Task An_import_rejects_rows_of_non_public_addresses_by_their_line()
    {
        var publicUrl = $"https://x.com/someone/status/{Random.Shared.NextInt64(1, long.MaxValue)}";
        var body = new StringContent(string.Join("\n", "url,reporterReference",
            "http://2130706433/,R-1", $"{publicUrl},R-2", "http://metadata.google.internal/,R-3"), Encoding.UTF8);
        body.Headers.ContentType = MediaTypeHeaderValue.Parse("text/csv");

        var (status, summary, text) = await ReportImportTests.ImportAsync(fixture.Ingest.Client, body);

        Assert.True(status == HttpStatusCode.OK, text);
        Assert.Equal(1, summary!.Accepted);
        Assert.Equal([2L, 4L], summary.Rejected.Select(r => r.Row));
        Assert.All(summary.Rejected, r => Assert.StartsWith("url: Names ", r.Error));
    }
}
