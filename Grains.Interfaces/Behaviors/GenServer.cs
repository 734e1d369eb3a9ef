namespace ProcessGrid;

/// <summary>
/// A server process written as callbacks (Erlang's <c>gen_server</c>): <see cref="InitAsync"/> once, then one
/// callback per message, one message at a time, then <see cref="TerminateAsync"/>.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><see cref="HandleCallAsync"/> answers <c>Call</c>: its return value is the reply. Return
/// <see cref="NoReply"/> to answer later with <see cref="IProcessContext.Reply"/>.</item>
/// <item><see cref="HandleCastAsync"/> handles <c>Cast</c>; <see cref="HandleInfoAsync"/> handles every other message
/// (plain sends, <see cref="Down"/>, <see cref="ProcessGrid.Exit"/> when trapping exits, timer messages).</item>
/// <item>A callback that throws ends the process with reason <see cref="ExitReasonKind.Exception"/>; a call being
/// handled fails with that exception; <see cref="TerminateAsync"/> runs first.</item>
/// <item>When the server traps exits and its parent (the process that started it, such as a supervisor) sends it an
/// exit signal, <see cref="TerminateAsync"/> runs and the server exits with that reason, as in Erlang.</item>
/// </list>
/// </remarks>
public abstract class GenServer : ProcessBehavior
{
    /// <summary>Return this from <see cref="HandleCallAsync"/> to answer the call later with <see cref="IProcessContext.Reply"/>.</summary>
    public static object NoReply { get; } = new NoReplyMarker();

    /// <summary>Runs first, in the new process; the process starts handling messages when it completes. A throw fails the start.</summary>
    protected internal virtual ValueTask InitAsync() => ValueTask.CompletedTask;

    /// <summary>Handles a call; the result is the reply, or <see cref="NoReply"/>. By default a server does not accept calls.</summary>
    /// <exception cref="NotSupportedException">The default: this server does not handle calls.</exception>
    protected internal virtual ValueTask<object?> HandleCallAsync(object request, CallFrom from) =>
        throw new NotSupportedException($"{GetType().Name} does not handle calls (got {request.GetType().Name}); override HandleCallAsync.");

    /// <summary>Handles a cast. By default the cast is reported as a dead letter (unhandled).</summary>
    protected internal virtual ValueTask HandleCastAsync(object message)
    {
        Context.Grid.DeadLetters.Report(Self.ToString(), message, $"cast not handled: {GetType().Name} does not override HandleCastAsync");
        return ValueTask.CompletedTask;
    }

    /// <summary>Handles any other message. By default the message is reported as a dead letter (unhandled).</summary>
    protected internal virtual ValueTask HandleInfoAsync(object message)
    {
        Context.Grid.DeadLetters.Report(Self.ToString(), message, $"message not handled: {GetType().Name} does not override HandleInfoAsync");
        return ValueTask.CompletedTask;
    }

    /// <summary>Runs as the server stops (after a callback threw, on a parent's exit signal while trapping exits, or on deactivation).</summary>
    protected internal virtual ValueTask TerminateAsync(ExitReason reason) => ValueTask.CompletedTask;

    private sealed class NoReplyMarker
    {
        public override string ToString() => "noreply";
    }
}
