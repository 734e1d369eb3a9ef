using ProcessGrid.Runtime.Timers;

namespace ProcessGrid.Runtime.Processes;

/// <summary>The <c>after</c> of one <c>receive ... after</c>: tells the process that its park of a given generation timed out.</summary>
internal sealed class ReceiveTimer(FunctionProcessCell cell, int generation) : TimerEntry
{
    /// <inheritdoc />
    protected override void Fire() => cell.OnReceiveTimeout(generation);
}
