namespace Takedown.Fingerprints.Tests;

/// <summary>The reference hash tables copied from ThreatExchange (TestData/pdq, BSD licence beside them).</summary>
public static class ReferenceTables
{
    public static readonly string PdqDir = Path.Combine(AppContext.BaseDirectory, "TestData", "pdq");

    /// <summary>Rows of a <c>file,width,height,pdq_hex,quality</c> table such as expected-from-rgb24.csv.</summary>
    public static TheoryData<string, int, int, string, int> HashRows(string table)
    {
        var rows = new TheoryData<string, int, int, string, int>();
        foreach (var line in File.ReadLines(Path.Combine(PdqDir, table)).Skip(1))
        {
            if (string.IsNullOrWhiteSpace(line))
                continue;
            var f = line.Split(',');
            rows.Add(f[0], int.Parse(f[1]), int.Parse(f[2]), f[3], int.Parse(f[4]));
        }
        return rows;
    }
}
