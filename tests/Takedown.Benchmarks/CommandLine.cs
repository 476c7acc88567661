using System.Globalization;

namespace Takedown.Benchmarks;

/// <summary>"--name value" pairs and bare "--flag"s; enough for two commands without a parser dependency.</summary>
public sealed class CommandLine
{
    private readonly Dictionary<string, string?> _values;

    private CommandLine(Dictionary<string, string?> values) => _values = values;

    public static CommandLine Parse(IEnumerable<string> args, params string[] known)
    {
        var values = new Dictionary<string, string?>(StringComparer.Ordinal);
        string? pending = null;
        foreach (var arg in args)
        {
            if (arg.StartsWith("--", StringComparison.Ordinal))
            {
                if (pending is not null)
                    values[pending] = null;
                pending = arg[2..];
            }
            else if (pending is not null)
            {
                values[pending] = arg;
                pending = null;
            }
            else
            {
                throw new ArgumentException($"Unexpected argument '{arg}'.");
            }
        }
        if (pending is not null)
            values[pending] = null;
        var unknown = values.Keys.Except(known).ToArray();
        if (unknown.Length > 0)
            throw new ArgumentException($"Unknown option(s): {string.Join(", ", unknown.Select(u => "--" + u))}.");
        return new CommandLine(values);
    }

    public bool Flag(string name) => _values.ContainsKey(name);

    public int Int(string name, int fallback) =>
        _values.TryGetValue(name, out var value) && value is not null ? int.Parse(value, CultureInfo.InvariantCulture) : fallback;

    public double Double(string name, double fallback) =>
        _values.TryGetValue(name, out var value) && value is not null ? double.Parse(value, CultureInfo.InvariantCulture) : fallback;

    public string String(string name, string fallback) =>
        _values.TryGetValue(name, out var value) && value is not null ? value : fallback;

    public int[] Ints(string name, int[] fallback) =>
        _values.TryGetValue(name, out var value) && value is not null
            ? value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(v => int.Parse(v, CultureInfo.InvariantCulture)).ToArray()
            : fallback;
}
