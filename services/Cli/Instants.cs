using System.CommandLine.Parsing;
using System.Globalization;

namespace Takedown.Cli;

/// <summary>Parses an option's ISO 8601 instant, UTC unless an offset is given.</summary>
public static class Instants
{
    public static DateTimeOffset? Parse(ArgumentResult result)
    {
        var token = result.Tokens[0].Value;
        if (DateTimeOffset.TryParse(token, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var instant))
        {
            return instant;
        }
        var option = (result.Parent as OptionResult)?.Option.Name ?? "the value";
        result.AddError($"{option} '{token}' is not an ISO 8601 date and time, e.g. 2025-03-01T09:30:00Z.");
        return null;
    }
}
