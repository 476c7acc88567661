namespace Takedown.Fingerprints.Text;

/// <summary>FNV-1a 64 over a string's UTF-16 code units: stable across processes (unlike string.GetHashCode) and cheap for short keys.</summary>
public static class Fnv1a
{
    public static ulong Hash64(string value)
    {
        var hash = 14695981039346656037UL;
        foreach (var c in value)
        {
            hash ^= c;
            hash *= 1099511628211UL;
        }
        return hash;
    }
}
