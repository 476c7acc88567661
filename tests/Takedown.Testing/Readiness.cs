using System.Net;
using System.Text.Json;

namespace Takedown.Testing;

public static class Readiness
{
    /// <summary>
    /// The status /health/ready reports ("Healthy", "Degraded"), or the HTTP status code when it is not 200. Ingest is
    /// ready (200, Degraded) before its broker connection is up, so a test that needs the broker waits for "Healthy".
    /// </summary>
    public static async Task<string> StatusAsync(HttpClient client)
    {
        using var response = await client.GetAsync("/health/ready");
        if (response.StatusCode != HttpStatusCode.OK)
            return ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return body.RootElement.GetProperty("status").GetString() ?? "";
    }

    public static Task WaitUntilHealthyAsync(HttpClient client) =>
        Eventually.UntilAsync(() => StatusAsync(client), s => s == "Healthy", what: "readiness to be Healthy");
}
