using System.Net;
using System.Text;
using Takedown.Tests.EndToEnd;
using static Takedown.Tests.Http.EndpointAuthorizationTests;

namespace Takedown.Tests.Http;

/// <summary>
/// Refusals the fuzzer (Fuzzing/FuzzTests) found answered otherwise: each is problem details now, with the status it says.
/// </summary>
public sealed class ProblemDetailsAnswerTests(PipelineFixture pipeline) : IClassFixture<PipelineFixture>
{
    // Before: ASP.NET Core's problem details writer declined these Accept headers, so a 403 threw (a 500) and a 404 was text/plain.
    [Theory]
    [InlineData("text/csv")]
    [InlineData("application/xml")]
    public async Task A_refusal_is_problem_details_whatever_the_request_accepts(string accept)
    {
        var reporter = await pipeline.IssueKeyAsync("problem-accept", "reporter");

        using var forbidden = PipelineFixture.Request(HttpMethod.Get, "/api/v1/admin/api-keys", reporter);
        forbidden.Headers.TryAddWithoutValidation("Accept", accept);
        using var forbiddenResponse = await pipeline.Reporting.SendAsync(forbidden);
        await AssertProblemAsync(forbiddenResponse, HttpStatusCode.Forbidden);

        using var missing = PipelineFixture.Request(HttpMethod.Get, "/api/v1/no-such-thing", reporter);
        missing.Headers.TryAddWithoutValidation("Accept", accept);
        using var missingResponse = await pipeline.Ingest.SendAsync(missing);
        var problem = await AssertProblemAsync(missingResponse, HttpStatusCode.NotFound);
        Assert.True(problem.TryGetProperty("traceId", out _), problem.ToString());
    }

    // Before: the JSON body reader threw InvalidOperationException on the unknown charset, answered 500.
    [Fact]
    public async Task A_json_body_in_an_unknown_charset_is_415()
    {
        var analyst = await pipeline.IssueKeyAsync("problem-charset", "analyst");
        using var request = PipelineFixture.Request(HttpMethod.Post, "/api/v1/match", analyst);
        request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes("{\"text\":\"hello\"}"));
        request.Content.Headers.TryAddWithoutValidation("Content-Type", "application/json; charset=bogus");

        using var response = await pipeline.Reupload.SendAsync(request);

        var problem = await AssertProblemAsync(response, HttpStatusCode.UnsupportedMediaType);
        Assert.Contains("bogus", problem.GetProperty("detail").GetString());
    }

    // Before: the OpenAPI endpoint wrote "No OpenAPI document with the name 'v2' was found." as text/plain.
    [Fact]
    public async Task An_unknown_openapi_document_is_a_problem_details_404_and_the_real_one_is_still_served()
    {
        foreach (var client in new[] { pipeline.Ingest, pipeline.Classification, pipeline.Reupload, pipeline.Reporting })
        {
            using var unknown = await client.GetAsync("/openapi/v2.json");
            await AssertProblemAsync(unknown, HttpStatusCode.NotFound);
            using var known = await client.GetAsync("/openapi/v1.json");
            Assert.Equal((HttpStatusCode.OK, "application/json"), (known.StatusCode, known.Content.Headers.ContentType?.MediaType));
        }
    }
}
