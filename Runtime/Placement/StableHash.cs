using System.Text;

namespace ProcessGrid.Runtime.Placement;

/// <summary>
/// A 64-bit hash of text that is the same on every node and every run (string.GetHashCode is randomized per process):
/// FNV-1a over the UTF-8 bytes, finished with a SplitMix64 mix so that close inputs spread over the whole range.
/// </summary>
internal static class StableHash
{
    private const ulong Offset = 14695981039346656037;
    private const ulong Prime = 1099511628211;

    /// <summary>Hashes the parts in order, each followed by a separator, so ("ab","c") and ("a","bc") differ.</summary>
    public static ulong Of(string a, string b, string c)
    {
        var hash = Offset;
        hash = Add(hash, a);
        hash = Add(hash, b);
        hash = Add(hash, c);
        return Mix(hash);
    }

    private static ulong Add(ulong hash, string text)
    {
        Span<byte> buffer = stackalloc byte[256];
        var bytes = Encoding.UTF8.GetByteCount(text) <= buffer.Length ? buffer[..Encoding.UTF8.GetBytes(text, buffer)] : Encoding.UTF8.GetBytes(text);
        foreach (var b in bytes)
        {
            hash = (hash ^ b) * Prime;
        }
        return (hash ^ 0xFF) * Prime; // The separator.
    }

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
        return z ^ (z >> 31);
    }
}
