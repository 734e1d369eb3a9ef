namespace ProcessGrid;

/// <summary>
/// The node's record of undeliverable messages. Every message that cannot be delivered is counted here and logged
/// with its reason (the log is rate-limited; the count is exact); none is dropped silently.
/// </summary>
public interface IDeadLetters
{
    /// <summary>How many messages this node has given up since it started.</summary>
    long Count { get; }

    /// <summary>The most recent dead letters, newest last (a bounded window).</summary>
    IReadOnlyList<DeadLetter> Recent { get; }

    /// <summary>Records a message the caller could not deliver or handle, with the reason in words.</summary>
    void Report(string target, object message, string reason);
}
