using System.Globalization;

namespace ProcessGrid.Bench;

/// <summary>Prints results as <c>figure &lt;name&gt; &lt;value&gt; &lt;unit&gt;</c>, one per line, for people and scripts alike.</summary>
internal static class Figures
{
    public static void Print(string name, double value, string unit) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"figure {name} {Format(value)} {unit}"));

    private static string Format(double value) => value switch
    {
        >= 1000 => value.ToString("F0", CultureInfo.InvariantCulture),
        >= 10 => value.ToString("F1", CultureInfo.InvariantCulture),
        _ => value.ToString("F3", CultureInfo.InvariantCulture),
    };

    /// <summary>The value at quantile <paramref name="q"/> (0..1) of sorted samples.</summary>
    public static double Percentile(long[] sortedSamples, double q) =>
        sortedSamples.Length == 0 ? double.NaN : sortedSamples[Math.Min(sortedSamples.Length - 1, (int)(q * sortedSamples.Length))];
}
