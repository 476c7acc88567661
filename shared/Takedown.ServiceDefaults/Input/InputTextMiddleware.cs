using Microsoft.AspNetCore.Http;

namespace Takedown.ServiceDefaults.Input;

/// <summary>
/// The path and query string are text a caller sends too (a search term, a platform filter, a bank name): held to
/// <see cref="InputText"/> before any endpoint reads them, answered 400 naming the parameter. JSON bodies are checked
/// as they are read (<see cref="CheckedStringConverter"/>), import files row by row.
/// </summary>
public sealed class InputTextMiddleware(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext http)
    {
        var errors = new Dictionary<string, string[]>();
        if (InputText.Fault(http.Request.Path.Value) is { } pathFault)
            errors["path"] = [pathFault];
        foreach (var (name, values) in http.Request.Query)
        {
            if (InputText.Fault(name) is not null)
            {
                errors["query"] = ["A query parameter's name is not text: " + InputText.Fault(name)];
                continue;
            }
            foreach (var value in values)
            {
                if (InputText.Fault(value) is { } fault)
                    errors[name] = [fault];
            }
        }
        return errors.Count == 0
            ? next(http)
            : Results.ValidationProblem(errors, title: "The request holds text that is not text.").ExecuteAsync(http);
    }
}
