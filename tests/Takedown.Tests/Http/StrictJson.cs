using System.Text.Json;

namespace Takedown.Tests.Http;

/// <summary>
/// Parses JSON as a strict client would: a repeated property name is an error, not "the last one wins". A body that
/// said "status" twice (the HTTP status and the case's) once read fine here and broke other clients.
/// </summary>
public static class StrictJson
{
    private static readonly JsonDocumentOptions Options = new() { AllowDuplicateProperties = false };

    public static JsonElement Parse(string json)
    {
        using var document = JsonDocument.Parse(json, Options);
        return document.RootElement.Clone();
    }

    public static async Task<JsonElement> ReadAsync(HttpResponseMessage response) => Parse(await response.Content.ReadAsStringAsync());
}
