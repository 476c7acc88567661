using System.Text.RegularExpressions;
using Microsoft.Net.Http.Headers;
using Takedown.ServiceDefaults.Auth;

namespace Takedown.Ingest.Reports;

public static partial class EvidenceEndpoints
{
    public static IEndpointRouteBuilder MapEvidence(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/evidence/{sha256}", ReadAsync)
            .RequireAuthorization(Policies.ReadEvidence)
            .WithTags("Evidence")
            .WithSummary("The bytes of a reported media item, by the SHA-256 given in its report (ContentSubmitted.media[].sha256).")
            .Produces(StatusCodes.Status200OK, contentType: "application/octet-stream")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    private static async Task<IResult> ReadAsync(string sha256, HttpContext http, EventStore.EventStore store, CancellationToken ct)
    {
        if (!Sha256().IsMatch(sha256))
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["sha256"] = ["A SHA-256 is 64 hexadecimal digits."] });
        var key = sha256.ToLowerInvariant();
        if (await Evidence.ReadAsync(store.DataSource, store.Schema, key, ct) is not var (bytes, contentType))
            return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such evidence.", detail: $"No report brought media with SHA-256 {key}.");

        // Reported media is hostile by nature: never sniffed or shown inline by a browser that follows a link here.
        http.Response.Headers[HeaderNames.XContentTypeOptions] = "nosniff";
        return Results.File(bytes, contentType, fileDownloadName: key, entityTag: new EntityTagHeaderValue($"\"{key}\""));
    }

    [GeneratedRegex("^[0-9a-fA-F]{64}$")]
    private static partial Regex Sha256();
}
