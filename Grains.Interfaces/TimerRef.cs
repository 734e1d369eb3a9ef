namespace ProcessGrid;

/// <summary>
/// A timer started by <c>SendAfter</c> (Erlang's <c>erlang:send_after/3</c>); pass it to <c>CancelTimer</c> to stop it.
/// </summary>
public readonly struct TimerRef : IEquatable<TimerRef>
{
    internal TimerRef(object entry) => Entry = entry;

    /// <summary>The runtime's timer entry.</summary>
    internal object? Entry { get; }

    /// <inheritdoc />
    public bool Equals(TimerRef other) => ReferenceEquals(Entry, other.Entry);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is TimerRef other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Entry?.GetHashCode() ?? 0;

    /// <summary>Reference equality of the timers.</summary>
    public static bool operator ==(TimerRef left, TimerRef right) => left.Equals(right);

    /// <summary>Reference inequality of the timers.</summary>
    public static bool operator !=(TimerRef left, TimerRef right) => !left.Equals(right);
}
