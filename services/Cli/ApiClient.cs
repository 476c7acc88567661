using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace Takedown.Cli;

/// <summary>Calls the Takedown HTTP APIs: JSON in and out, the key header, problem details as exceptions.</summary>
/// <param name="timeout">How long one answer may take; 30 s unless the call makes the server wait (a projection rebuild).</param>
public sealed class ApiClient(HttpMessageHandler handler, string? apiKey, TimeSpan? timeout = null) : IDisposable
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private readonly HttpClient http = new(handler, disposeHandler: false) { Timeout = timeout ?? TimeSpan.FromSeconds(30) };

    public Task<ApiResponse<T>> SendAsync<T>(
        HttpMethod method, ServiceEndpoint endpoint, string path, object? body, CancellationToken cancellationToken,
        IReadOnlyDictionary<string, string>? headers = null) =>
        SendContentAsync<T>(method, endpoint, path,
            body is null ? null : new StringContent(JsonSerializer.Serialize(body, Json), Encoding.UTF8, "application/json"), cancellationToken, headers);

    /// <summary>Sends a body that is not JSON (a CSV or JSON-lines upload); the answer is still JSON.</summary>
    public async Task<ApiResponse<T>> SendContentAsync<T>(
        HttpMethod method, ServiceEndpoint endpoint, string path, HttpContent? content, CancellationToken cancellationToken,
        IReadOnlyDictionary<string, string>? headers = null)
    {
        var (url, status, text) = await SendRawAsync(method, endpoint, path, content, "application/json", (body, ct) => body.ReadAsStringAsync(ct), cancellationToken, headers);
        try
        {
            var value = JsonSerializer.Deserialize<T>(text, Json);
            return value is null
                ? throw new ServiceUnavailableException($"{url} answered {status} with an empty body.")
                : new ApiResponse<T>(value, text);
        }
        catch (JsonException e)
        {
            throw new ServiceUnavailableException(
                $"{url} answered {status} with a body that is not the expected JSON: {e.Message}");
        }
    }

    /// <summary>GETs a document (CSV, HTML, JSON lines…) and returns its body as received.</summary>
    public async Task<string> GetTextAsync(ServiceEndpoint endpoint, string path, string accept, CancellationToken cancellationToken) =>
        (await SendRawAsync(HttpMethod.Get, endpoint, path, content: null, accept, cancellationToken)).Text;

    /// <summary>GETs a binary document (a zip) and returns its bytes as received.</summary>
    public async Task<byte[]> GetBytesAsync(ServiceEndpoint endpoint, string path, string accept, CancellationToken cancellationToken) =>
        (await SendRawAsync(HttpMethod.Get, endpoint, path, content: null, accept, (body, ct) => body.ReadAsByteArrayAsync(ct), cancellationToken)).Body;

    private async Task<(Uri Url, int Status, string Text)> SendRawAsync(
        HttpMethod method, ServiceEndpoint endpoint, string path, HttpContent? content, string accept, CancellationToken cancellationToken) =>
        await SendRawAsync(method, endpoint, path, content, accept, (body, ct) => body.ReadAsStringAsync(ct), cancellationToken);

    /// <param name="read">Reads a successful answer's body; a failed one is always read as text, for its problem details.</param>
    private async Task<(Uri Url, int Status, T Body)> SendRawAsync<T>(
        HttpMethod method, ServiceEndpoint endpoint, string path, HttpContent? content, string accept,
        Func<HttpContent, CancellationToken, Task<T>> read, CancellationToken cancellationToken, IReadOnlyDictionary<string, string>? headers = null)
    {
        var url = endpoint.Resolve(path);
        using var request = new HttpRequestMessage(method, url);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(accept));
        if (apiKey is not null)
        {
            request.Headers.Add("X-Api-Key", apiKey);
        }
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
            request.Headers.TryAddWithoutValidation(name, value);
        request.Content = content;

        HttpResponseMessage response;
        T body;
        string? problem = null;
        try
        {
            response = await http.SendAsync(request, cancellationToken);
            if (response.IsSuccessStatusCode)
            {
                body = await read(response.Content, cancellationToken);
            }
            else
            {
                problem = await response.Content.ReadAsStringAsync(cancellationToken);
                body = default!;
            }
        }
        catch (HttpRequestException e)
        {
            throw new ServiceUnavailableException(
                $"cannot reach {url}: {e.Message}. Is the service running? The URL comes from {endpoint.Setting}.");
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ServiceUnavailableException($"{url} did not answer within {http.Timeout.TotalSeconds:0} s.");
        }

        using (response)
        {
            if (problem is not null)
            {
                throw ApiProblemException.From((int)response.StatusCode, response.ReasonPhrase, problem);
            }
            return (url, (int)response.StatusCode, body);
        }
    }

    public void Dispose() => http.Dispose();
}

/// <param name="Json">The body exactly as received, for <c>--json</c>.</param>
public sealed record ApiResponse<T>(T Value, string Json);

public sealed record FieldError(string Field, string Message);

/// <summary>An RFC 7807 problem details answer (or any other non-success answer, read as well as it can be).</summary>
public sealed class ApiProblemException(int status, string title, string? detail, IReadOnlyList<FieldError> fieldErrors)
    : Exception(detail is null ? $"{status} {title}" : $"{status} {title}: {detail}")
{
    private const int MaxUnstructuredDetail = 200;

    public int Status { get; } = status;
    public string Title { get; } = title;
    public string? Detail { get; } = detail;
    public IReadOnlyList<FieldError> FieldErrors { get; } = fieldErrors;

    public static ApiProblemException From(int status, string? reasonPhrase, string body)
    {
        var title = string.IsNullOrWhiteSpace(reasonPhrase) ? "Error" : reasonPhrase;
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object)
            {
                return new ApiProblemException(
                    status,
                    StringProperty(root, "title") ?? title,
                    StringProperty(root, "detail"),
                    ReadFieldErrors(root));
            }
        }
        catch (JsonException)
        {
            // Not problem details (a proxy's HTML page, plain text): show the start of it as the detail.
        }
        var detail = Regex.Replace(body, @"\s+", " ").Trim();
        return new ApiProblemException(
            status,
            title,
            detail.Length == 0 ? null : detail.Length <= MaxUnstructuredDetail ? detail : detail[..MaxUnstructuredDetail] + "…",
            []);
    }

    private static string? StringProperty(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static List<FieldError> ReadFieldErrors(JsonElement root)
    {
        var errors = new List<FieldError>();
        if (!root.TryGetProperty("errors", out var fields) || fields.ValueKind != JsonValueKind.Object)
        {
            return errors;
        }
        foreach (var field in fields.EnumerateObject())
        {
            if (field.Value.ValueKind == JsonValueKind.Array)
            {
                errors.AddRange(field.Value.EnumerateArray().Select(message => new FieldError(field.Name, message.ToString())));
            }
            else
            {
                errors.Add(new FieldError(field.Name, field.Value.ToString()));
            }
        }
        return errors;
    }
}

/// <summary>No usable answer: connection refused, timeout, or a success body that cannot be read.</summary>
public sealed class ServiceUnavailableException(string message) : Exception(message);
