using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Takedown.ServiceDefaults.Auth;
using Takedown.Tests.EndToEnd;

namespace Takedown.Tests.Http;

/// <summary>Every endpoint of every service states the role it needs, or says it is public.</summary>
public sealed class EndpointAuthorizationTests(PipelineFixture pipeline) : IClassFixture<PipelineFixture>
{
    private static readonly string[] PublicPaths = ["/health/live", "/health/ready", "/openapi/v1.json"];

    [Fact]
    public void Every_endpoint_names_a_known_policy_or_allows_anonymous_callers()
    {
        var offenders = new List<string>();
        var anonymous = new List<string>();
        foreach (var (service, services) in pipeline.Hosts)
        {
            var endpoints = services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().ToList();
            Assert.NotEmpty(endpoints);
            foreach (var endpoint in endpoints)
            {
                var name = $"{service}: {string.Join(",", endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["*"])} /{endpoint.RoutePattern.RawText?.TrimStart('/')}";
                var policies = endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>()
                    .Select(a => a.Policy).Where(p => !string.IsNullOrEmpty(p)).ToList();
                var roles = endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>().Any(a => !string.IsNullOrEmpty(a.Roles));
                if (endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null)
                    anonymous.Add(name);
                else if ((policies.Count == 0 && !roles) || policies.Any(p => !Policies.RolesByPolicy.ContainsKey(p!)))
                    offenders.Add(name);
            }
        }

        Assert.True(offenders.Count == 0, "Endpoints that name no role and do not say they are public:\n" + string.Join("\n", offenders));
        // Only the health and OpenAPI endpoints are public, on each of the four services.
        Assert.Equal(4 * 3, anonymous.Count);
        Assert.All(anonymous, name => Assert.Contains(name[(name.IndexOf('/'))..], new[] { "/health/live", "/health/ready", "/openapi/{documentName}.json" }));
    }

    [Fact]
    public void Readiness_includes_the_message_bus_check_on_every_service()
    {
        foreach (var (service, services) in pipeline.Hosts)
        {
            var registrations = services.GetRequiredService<IOptions<HealthCheckServiceOptions>>().Value.Registrations;
            var ready = registrations.Where(r => r.Tags.Contains("ready")).Select(r => r.Name).Order().ToList();
            // MassTransit tags its bus check "ready" (consumers bound); "rabbitmq" covers services that only publish.
            Assert.True(ready.Any(name => name.StartsWith("masstransit", StringComparison.Ordinal)), $"{service} ready checks: {string.Join(", ", ready)}");
            Assert.Contains("rabbitmq", ready);
            Assert.Contains("postgres", ready);
            Assert.Contains("schema", ready);
        }
    }

    [Fact]
    public async Task Health_and_the_OpenAPI_document_answer_without_a_key()
    {
        foreach (var client in new[] { pipeline.Ingest, pipeline.Classification, pipeline.Reupload, pipeline.Reporting })
        {
            foreach (var path in PublicPaths)
            {
                using var response = await client.GetAsync(path);
                Assert.True(response.StatusCode == HttpStatusCode.OK, $"{client.BaseAddress}{path}: {(int)response.StatusCode}");
            }
        }
    }

    [Fact]
    public async Task An_unknown_route_is_401_without_a_key_and_404_with_one_both_as_problem_details()
    {
        var analyst = await pipeline.IssueKeyAsync("takedown-analysts", "analyst");
        foreach (var client in new[] { pipeline.Ingest, pipeline.Classification, pipeline.Reupload, pipeline.Reporting })
        {
            // The fallback policy: without a key, nothing is revealed about which routes exist.
            using var anonymous = await client.GetAsync("/api/v1/no-such-thing");
            await AssertProblemAsync(anonymous, HttpStatusCode.Unauthorized);

            using var known = await client.SendAsync(PipelineFixture.Request(HttpMethod.Get, "/api/v1/no-such-thing", analyst));
            await AssertProblemAsync(known, HttpStatusCode.NotFound);
        }
    }

    internal static async Task<JsonElement> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await StrictJson.ReadAsync(response);
        Assert.Equal((int)expected, problem.GetProperty("status").GetInt32());
        return problem;
    }
}
