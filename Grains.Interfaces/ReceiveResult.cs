namespace ProcessGrid;

/// <summary>
/// The outcome of a receive with a timeout (Erlang's <c>receive ... after T -> ... end</c>): either a message, or
/// <see cref="TimedOut"/> when none matched in time.
/// </summary>
/// <typeparam name="T">The type of message that was awaited.</typeparam>
public readonly struct ReceiveResult<T>
{
    private readonly T _message;

    private ReceiveResult(T message, bool timedOut)
    {
        _message = message;
        TimedOut = timedOut;
    }

    /// <summary>A result that carries <paramref name="message"/>.</summary>
    public static ReceiveResult<T> Of(T message) => new(message, false);

    /// <summary>The result of a receive whose time ran out.</summary>
    public static ReceiveResult<T> Timeout => new(default!, true);

    /// <summary>True when no matching message arrived before the timeout (the <c>after</c> branch).</summary>
    public bool TimedOut { get; }

    /// <summary>The message received.</summary>
    /// <exception cref="InvalidOperationException">The receive timed out: check <see cref="TimedOut"/> first.</exception>
    public T Message => TimedOut
        ? throw new InvalidOperationException("The receive timed out and carries no message; check TimedOut (or use TryGet) first.")
        : _message;

    /// <summary>Gets the message when one was received.</summary>
    public bool TryGet(out T message)
    {
        message = _message;
        return !TimedOut;
    }
}
