using System.Globalization;

namespace ProcessGrid;

/// <summary>
/// The reference a monitor returns (Erlang's <c>reference()</c> from <c>monitor/2</c>): it comes back in the
/// <see cref="Down"/> message, and <see cref="IProcessContext.Demonitor"/> takes it.
/// </summary>
/// <param name="Value">A number unique on the node that created the monitor.</param>
public readonly record struct MonitorRef(long Value)
{
    /// <summary>Writes <c>#Ref&lt;n&gt;</c>.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"#Ref<{Value}>");
}
